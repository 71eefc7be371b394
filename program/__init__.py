"""The stack program's wiring: settings mapped onto the library's component args, the demo scenario, the outputs."""
