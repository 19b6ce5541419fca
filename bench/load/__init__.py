"""Load: many streaming chats over Reflex's websocket plus many REST clients at once, against
the production stack (PostgreSQL + Redis + several granian workers on one port).

What runs: the fake provider server (tests/fixtures/fake_providers/, a process of its
own) answers every model with a streamed, token-paced reply; the real app starts as in
the e2e tests (`reflex run --env prod`, tests/support/server.py) on a fresh PostgreSQL
database created for the run (dropped afterwards) and Redis, with `--workers` workers and
REFLEX_OPLOCK_ENABLED as compose.yaml runs it. Then two phases on that one app: a light
"baseline" (10 chats + 5 REST clients, 20 s: the figures of a machine with room to spare),
then the "load" itself (`--chats` + `--rest` for `--seconds`). In each:
- chat clients, each a signed-in user with one tab speaking Reflex's websocket protocol
  (tests/fixtures/reflex_client.py, what the browser speaks): send a message, wait for
  the whole answer, pause about `--think` seconds, again; a new conversation every five
  turns. Each reads its answer's text as the page does, from GET /api/answers/{id}/stream
  (NDJSON deltas, components/live.jsx). Time to first token = from sending the message to
  the first delta with text on that stream (what a user waits for before text appears);
- REST clients, each on its own keep-alive connection, back to back (no pause):
  GET /api/auth/me as a user; as the admin GET /api/admin/users (a search),
  GET /api/admin/users/{id}/transactions, PUT /api/admin/users/{id}/balance
  (`{"delta": 1}`, landing on the chatting users while their answers are billed) and
  GET /api/admin/roles.
Running answers end after the deadline. Then the checks, each a failure of the run:
every request answered 2xx, every chat turn ended `done`, every message a client sent is
in the database exactly once with its answer, no answer left streaming, no reservation
open, and `balance == sum(ledger)` for every user (metogpt.services.billing.reconcile).

Peak memory is the app's (granian's main process and its workers, sampled every 0.5 s):
PSS, which splits the pages forked workers share, and RSS. CPU: the app's processes', the
fake provider's and this load generator's CPU time per second of the run, and how busy
the machine was as a whole (PostgreSQL and Redis run on it too).

Usage:
    python -m bench.load [--chats 100] [--rest 50] [--seconds 60] [--workers 2]
        [--reply-tokens 300] [--tokens-per-second 30] [--think 3] [--baseline-seconds 20]
        [--postgres-url URL] [--redis-url URL] [--app-env NAME=VALUE] [--no-results]
        [--profile 500] [--section NAME]
PostgreSQL and Redis come from --postgres-url / --redis-url, else BENCH_POSTGRES_URL /
BENCH_REDIS_URL, else TEST_POSTGRES_URL / TEST_REDIS_URL. The figures go into
bench/RESULTS.md between `<!-- load:begin -->` and `<!-- load:end -->` (`--profile 500`:
`load500`), with the app's CPU time per 1,000 streamed tokens.
"""
