"""Pulumi components for AKS with Cilium: compose them in your own program, or host them as a package."""
