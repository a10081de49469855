import sys

from reformkg.cli import main

sys.exit(main())
