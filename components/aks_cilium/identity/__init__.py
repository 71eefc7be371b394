"""A team's Azure identity for its workloads: Microsoft Entra Workload ID per managed namespace."""
