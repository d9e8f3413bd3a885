"""Certificates and kubeconfigs for the local control plane, made with the openssl CLI.

One CA signs everything: the apiserver's serving certificate (loopback only, plus the names a
pod would use for the `kubernetes` Service) and a client certificate per user. Kubernetes
reads a client certificate's CN as the user name and each O as a group, so the admin is in
`system:masters` and the controllers authenticate as the users their default RBAC bindings
name. EC P-256 keys: as good as RSA here and about ten times faster to make.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

# The first address of --service-cluster-ip-range: the `kubernetes` Service's ClusterIP.
SERVICE_CIDR = "10.96.0.0/24"
SERVICE_IP = "10.96.0.1"
_SERVING_SANS = [
    "IP:127.0.0.1",
    f"IP:{SERVICE_IP}",
    "DNS:localhost",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
]
# user name -> groups, for each client certificate the control plane needs.
CLIENTS: dict[str, list[str]] = {
    "admin": ["system:masters"],
    "system:kube-controller-manager": [],
    "system:kube-scheduler": [],
    # etcd's only client; etcd checks the certificate against the CA, not the name.
    "kube-apiserver-etcd-client": [],
    # With a node (tests.support.localcluster): the apiserver's client to kubelets (logs,
    # exec, port-forward) and kube-proxy, as the default RBAC bindings name them.
    "kube-apiserver-kubelet-client": ["system:masters"],
    "system:kube-proxy": [],
    # The apiserver's client to aggregated APIs (metrics-server): the only name allowed to
    # assert a user in X-Remote-User headers.
    "front-proxy-client": [],
}


def _openssl(*args: str | Path) -> None:
    proc = subprocess.run(["openssl", *map(str, args)], capture_output=True, text=True, check=False)
    if proc.returncode:
        raise RuntimeError(f"openssl {' '.join(map(str, args))} failed:\n{proc.stderr}")


def _key(path: Path) -> Path:
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path)
    return path


@dataclass(frozen=True)
class Pki:
    dir: Path

    @property
    def ca(self) -> Path:
        return self.dir / "ca.crt"

    @property
    def serving(self) -> tuple[Path, Path]:
        return self.dir / "apiserver.crt", self.dir / "apiserver.key"

    @property
    def kubelet_serving(self) -> tuple[Path, Path]:
        return self.dir / "kubelet.crt", self.dir / "kubelet.key"

    @property
    def sa_key(self) -> Path:
        """The key that signs ServiceAccount tokens (the apiserver and the token controller)."""
        return self.dir / "sa.key"

    @property
    def sa_pub(self) -> Path:
        return self.dir / "sa.pub"

    def client(self, user: str) -> tuple[Path, Path]:
        stem = user.replace(":", "-")
        return self.dir / f"{stem}.crt", self.dir / f"{stem}.key"

    def kubeconfig(self, user: str, server: str) -> Path:
        """A kubeconfig for `user` (one of CLIENTS, or the node) on `server`."""
        crt, key = self.client(user)
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "local",
                    "cluster": {"server": server, "certificate-authority": str(self.ca)},
                }
            ],
            "users": [
                {"name": user, "user": {"client-certificate": str(crt), "client-key": str(key)}}
            ],
            "contexts": [{"name": "local", "context": {"cluster": "local", "user": user}}],
            "current-context": "local",
        }
        path = self.dir / f"{user.replace(':', '-')}.kubeconfig"
        path.write_text(yaml.safe_dump(config))
        return path


def make_pki(directory: Path, node: tuple[str, str] | None = None) -> Pki:
    """One CA and every certificate. `node` = (name, IP) adds that IP to the apiserver's
    names, and the node's own client (system:node:<name>) and kubelet serving certificates."""
    directory.mkdir(parents=True, exist_ok=True)
    pki = Pki(directory)
    ca_key = _key(directory / "ca.key")
    _openssl(
        "req", "-x509", "-new", "-key", ca_key, "-subj", "/CN=todo-test-ca", "-days", "30",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-out", pki.ca,
    )  # fmt: skip

    def sign(crt: Path, key: Path, subject: str, *ext: str) -> None:
        csr = crt.with_suffix(".csr")
        _openssl("req", "-new", "-key", _key(key), "-subj", subject, "-out", csr)
        extfile = crt.with_suffix(".ext")
        extfile.write_text("\n".join(ext) + "\n")
        _openssl(
            "x509", "-req", "-in", csr, "-CA", pki.ca, "-CAkey", ca_key, "-CAcreateserial",
            "-days", "30", "-extfile", extfile, "-out", crt,
        )  # fmt: skip

    sign(
        *pki.serving,
        "/CN=kube-apiserver",
        "keyUsage=critical,digitalSignature",
        "extendedKeyUsage=serverAuth",
        "subjectAltName=" + ",".join(_SERVING_SANS + ([f"IP:{node[1]}"] if node else [])),
    )
    clients = dict(CLIENTS)
    if node:
        name, ip = node
        clients[f"system:node:{name}"] = ["system:nodes"]
        sign(
            *pki.kubelet_serving,
            f"/CN={name}",
            "keyUsage=critical,digitalSignature",
            "extendedKeyUsage=serverAuth",
            f"subjectAltName=IP:{ip},DNS:{name}",
        )
    for user, groups in clients.items():
        subject = f"/CN={user}" + "".join(f"/O={g}" for g in groups)
        sign(
            *pki.client(user),
            subject,
            "keyUsage=critical,digitalSignature",
            "extendedKeyUsage=clientAuth",
        )
    _key(pki.sa_key)
    _openssl("pkey", "-in", pki.sa_key, "-pubout", "-out", pki.sa_pub)
    return pki
