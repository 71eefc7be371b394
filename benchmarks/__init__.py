"""Benchmarks of the program and the policy pack as environments grow."""
