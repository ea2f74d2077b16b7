from sonido.cli import main

raise SystemExit(main())
