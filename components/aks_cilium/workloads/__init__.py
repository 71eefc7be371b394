"""Workloads that exercise the policies on a live cluster: the blog's demo app and client, and the connectivity check
Job whose probes prove the declared verdicts after each change."""
