from egressguard.cli import main

raise SystemExit(main())
