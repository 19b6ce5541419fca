import sys

from metogpt.cli import main

sys.exit(main())
