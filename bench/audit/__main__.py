"""``python -m bench.audit``: the frame audit (``make audit``)."""

import sys

from bench.audit import main

sys.exit(main())
