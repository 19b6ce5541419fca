"""Production mode end to end: PostgreSQL + Redis + two granian workers behind one port.

The app (conftest.py: one for the package) runs as `reflex run --env prod` with
REFLEX_REDIS_URL and GRANIAN_WORKERS=2 on a database of its own, created for these tests
on the TEST_POSTGRES_URL server. Browser tabs are real Chromium pages or `ReflexTab`s
(tests/fixtures/reflex_client.py: Reflex's websocket protocol, for tests that must place
sockets on workers or outlive one).

Which worker serves a tab: each websocket is one TCP connection, accepted by one worker
and kept there; every event of that socket is handled by that worker, and a background
task (a streaming answer) lives in the worker that received its event. Reflex's Redis token
manager records, per tab token, the instance id of the worker holding its socket
(`token_manager_socket_record_<token>`): the tests read it to know where a socket landed,
and reconnect a socket until it lands elsewhere. State lives in Redis, so any worker may
change it; deltas for a socket on another worker go through Redis pub/sub ("lost and found").

The helpers (members, tabs spread over the workers, reading an answer's stream, the books)
are in workers.py; the tests: chats on both workers (test_two_workers.py), a stop on the
other worker and a reload mid-answer (test_stop_and_reload.py), a worker killed mid-answer
(test_worker_killed.py) or before its answer began (test_worker_killed_before_answer.py),
last: they leave a respawned worker behind.
"""
