import sys

from ccdash.cli import main

sys.exit(main())
