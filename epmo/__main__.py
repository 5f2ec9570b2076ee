"""`python -m epmo ...`"""

import sys

from epmo.cli import main

sys.exit(main())
