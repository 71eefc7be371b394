"""What the tests share: stack runs with overrides, the analyzer requests, Cilium's artifacts, type tokens and the
resolver model. Tests import from here, never from one another."""
