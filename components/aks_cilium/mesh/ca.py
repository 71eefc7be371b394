"""The mesh's one certificate authority, created once in the stack that owns it and read by the others.

Every cluster of a mesh must trust the same CA: the clustermesh-apiserver and the agents authenticate each other with
certificates that cilium-certgen signs with the CA in the `cilium-ca` Secret (cilium/cilium
Documentation/network/clustermesh/setup.rst, "Shared Certificate Authority"; the chart's certgen Jobs run with
`--ca-reuse-secret --ca-secret-name=cilium-ca`). The key pair and certificate are Pulumi resources, so they are
generated at the first `pulumi up` and kept in the stack's state, never again per render or per preview.
"""

from __future__ import annotations

from typing import TypedDict

import pulumi
import pulumi_tls as tls

from aks_cilium.core.options import child_options
from aks_cilium.core.tokens import component_type
from aks_cilium.core.validation import ArgsCheck

# Ten years. certgen refuses to sign leaves that outlive their CA (values.yaml, certgen
# enforceCAValidityThroughoutLeavesDuration: true, a hard error), and the chart's leaves last up to 3 years
# (tls.ca.certValidityDuration 1095 days for hubble, clustermesh.apiserver.tls.auto.certValidityDuration 365).
DEFAULT_VALIDITY_HOURS = 10 * 365 * 24
MIN_VALIDITY_HOURS = 4 * 365 * 24


class MeshCertificateAuthorityArgs(TypedDict, total=False):
    common_name: pulumi.Input[str]
    """Subject common name of the CA certificate; Cilium's own is "Cilium CA"."""
    validity_hours: int
    """How long the CA is valid, at least four years (longer than any leaf certgen signs with it)."""


class MeshCertificateAuthority(pulumi.ComponentResource):
    """An ECDSA P-256 key and a self-signed CA certificate for one Cilium Cluster Mesh."""

    cert_pem: pulumi.Output[str]
    """The CA certificate, PEM."""
    key_pem: pulumi.Output[str]
    """The CA private key, PEM; a secret."""

    def __init__(self, name: str, args: MeshCertificateAuthorityArgs | None = None, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("MeshCertificateAuthority"), name, None, opts)
        args = args or {}
        check = ArgsCheck("MeshCertificateAuthority", name, args, MeshCertificateAuthorityArgs)
        validity = args.get("validity_hours", DEFAULT_VALIDITY_HOURS)
        if isinstance(validity, bool) or not isinstance(validity, int) or validity < MIN_VALIDITY_HOURS:
            check.fail("validity_hours", f"{validity!r} is not a whole number of hours of at least {MIN_VALIDITY_HOURS}")
        check.done()
        child = child_options(self, opts)
        key = tls.PrivateKey(f"{name}-key", algorithm="ECDSA", ecdsa_curve="P256", opts=child)
        cert = tls.SelfSignedCert(
            f"{name}-cert",
            private_key_pem=key.private_key_pem,
            is_ca_certificate=True,
            validity_period_hours=validity,
            allowed_uses=["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
            subject=tls.SelfSignedCertSubjectArgs(common_name=args.get("common_name", "Cilium CA")),
            opts=child,
        )
        self.cert_pem = cert.cert_pem
        self.key_pem = pulumi.Output.secret(key.private_key_pem)
        self.register_outputs({"cert_pem": self.cert_pem, "key_pem": self.key_pem})
