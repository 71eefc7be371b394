"""CiliumNetworkPolicy as typed Python: a model that refuses what Cilium would reject or ignore, and builders."""
