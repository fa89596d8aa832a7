"""The chart renders, lints strictly and validates, in every scenario."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import (
    CHART,
    CI_VALUES,
    EXAMPLES,
    MONITORING_APIS,
    RELEASE,
    ROOT,
    by_kind,
    containers,
    load_docs,
    pod_specs,
    render,
    render_raw,
    values_of,
)

helm_python = pytest.importorskip(
    "helm_python", reason="helm-python-sdk not installed (pip install helm-python-sdk==0.2.2)"
)

KUBE_VERSIONS = ["1.29.0", "1.31.0", "1.33.0"]
CRD_KINDS = {"ServiceMonitor", "PodMonitor", "PrometheusRule"}


def test_renders_objects(scenario: dict[str, Any]) -> None:
    docs = render(scenario)
    assert docs, "nothing rendered"
    assert by_kind(docs, "ConfigMap") or scenario.get("policy", {}).get("existingConfigMap")
    for d in docs:
        assert d["metadata"]["name"], d


def test_strict_lint(scenario: dict[str, Any]) -> None:
    report = helm_python.lint(CHART, scenario, strict=True, kube_version="v1.30.0")
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert not problems and not report["errors"], problems or report["errors"]


@pytest.mark.parametrize("version", KUBE_VERSIONS)
def test_kubernetes_validate(scenario: dict[str, Any], version: str) -> None:
    kv = pytest.importorskip(
        "kubernetes_validate",
        reason="kubernetes-validate not installed (pip install kubernetes-validate==1.37.0)",
    )
    docs = render(scenario)
    checked = 0
    for d in docs:
        if d["kind"] in CRD_KINDS:
            continue  # no CRD schemas offline
        try:
            kv.validate(d, version, strict=True)
        except kv.SchemaNotFoundError:
            continue
        except kv.ValidationError as err:
            pytest.fail(f"{d['kind']}/{d['metadata']['name']} invalid on {version}: {err.message}")
        checked += 1
    assert checked


def test_yaml_has_no_duplicate_keys(scenario: dict[str, Any]) -> None:
    for path, text in render_raw(scenario).items():
        if not path.endswith("NOTES.txt"):
            load_docs(text)  # raises on a duplicate key


def test_capabilities_do_not_gate_monitoring() -> None:
    """Monitors render without the CRDs being known (helm template, Argo CD)."""
    values = {
        "metrics": {"serviceMonitor": {"enabled": True}, "podMonitor": {"enabled": True}},
        "prometheusRule": {"enabled": True},
    }
    without = {d["kind"] for d in render(values)}
    with_apis = {d["kind"] for d in render(values, api_versions=MONITORING_APIS)}
    assert without >= CRD_KINDS
    assert without == with_apis


# ------------------------------------------------------------------ labels and selectors
STANDARD = [
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/component",
    "helm.sh/chart",
]


def test_standard_labels_everywhere(scenario: dict[str, Any]) -> None:
    for d in render(scenario):
        if d["metadata"]["name"] == "agent-egress-policy":
            continue  # an extraObjects entry written by the user
        labels = d["metadata"].get("labels", {})
        missing = [k for k in STANDARD if k not in labels]
        assert not missing, f"{d['kind']}/{d['metadata']['name']} lacks {missing}"
        assert labels["app.kubernetes.io/instance"] == RELEASE
        assert labels["app.kubernetes.io/managed-by"] == "Helm"


def test_selectors_are_subsets_of_pod_labels_without_version(scenario: dict[str, Any]) -> None:
    docs = render(scenario)
    for d in by_kind(docs, "Deployment"):
        selector = d["spec"]["selector"]["matchLabels"]
        pod_labels = d["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= pod_labels.items()
        assert "app.kubernetes.io/version" not in selector
        assert "helm.sh/chart" not in selector
        assert {"app.kubernetes.io/name", "app.kubernetes.io/instance"} <= selector.keys()
    pods = [d["spec"]["template"]["metadata"]["labels"] for d in by_kind(docs, "Deployment")]
    for kind, sel in [(d["kind"], d["spec"]["selector"]) for d in by_kind(docs, "Service")] + [
        (d["kind"], d["spec"]["selector"]["matchLabels"]) for d in by_kind(docs, "PodDisruptionBudget")
    ]:
        assert "app.kubernetes.io/version" not in sel
        assert any(sel.items() <= p.items() for p in pods), f"{kind} selects no pod"
    for svc in by_kind(docs, "Service"):
        for pod in by_kind(docs, "Pod"):  # the helm test pod must not join the Service
            assert not svc["spec"]["selector"].items() <= pod["metadata"]["labels"].items()


def test_hpa_and_service_target_the_deployment() -> None:
    docs = render({"autoscaling": {"enabled": True}})
    (hpa,) = by_kind(docs, "HorizontalPodAutoscaler")
    (dep,) = by_kind(docs, "Deployment")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"]["name"] == dep["metadata"]["name"]
    assert "replicas" not in dep["spec"], "the HPA owns the replica count"


# ------------------------------------------------------------------ hardening
def _assert_hardened(owner: str, c: dict[str, Any], pod_sc: dict[str, Any]) -> None:
    sc = c.get("securityContext", {})
    name = f"{owner}: container {c['name']}"
    assert sc.get("allowPrivilegeEscalation") is False, name
    assert sc.get("privileged") is False, name
    assert sc.get("readOnlyRootFilesystem") is True, name
    assert "ALL" in sc.get("capabilities", {}).get("drop", []), name
    seccomp = sc.get("seccompProfile") or pod_sc.get("seccompProfile")
    assert seccomp == {"type": "RuntimeDefault"}, name
    if c["name"] == "egressguard-init":
        # the firewall init container: root, but only NET_ADMIN + NET_RAW
        assert sc["runAsUser"] == 0
        assert sorted(sc["capabilities"]["add"]) == ["NET_ADMIN", "NET_RAW"]
        return
    assert not sc.get("capabilities", {}).get("add"), name
    assert sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, name
    uid = sc.get("runAsUser", pod_sc.get("runAsUser"))
    assert isinstance(uid, int) and uid > 0, name


def test_every_container_is_hardened(scenario: dict[str, Any]) -> None:
    for obj, spec in pod_specs(render(scenario)):
        owner = f"{obj['kind']}/{obj['metadata']['name']}"
        assert spec.get("automountServiceAccountToken") is False, owner
        pod_sc = spec.get("securityContext", {})
        assert pod_sc.get("seccompProfile") == {"type": "RuntimeDefault"}, owner
        for c in containers(spec):
            _assert_hardened(owner, c, pod_sc)
            assert c.get("resources", {}).get("limits", {}).get("memory"), f"{owner}/{c['name']}"


def test_proxy_runs_as_uid_10001_with_writable_paths_on_volumes() -> None:
    (dep,) = by_kind(render(), "Deployment")
    spec = dep["spec"]["template"]["spec"]
    (proxy,) = spec["containers"]
    assert proxy["securityContext"]["runAsUser"] == 10001
    mounts = {m["mountPath"]: m for m in proxy["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    env = {e["name"]: e.get("value") for e in proxy["env"]}
    for path in (env["EGRESSGUARD_CONFDIR"], env["EGRESSGUARD_CA_EXPORT_DIR"], env["HOME"]):
        assert path in mounts and "emptyDir" in volumes[mounts[path]["name"]], path
    assert env["EGRESSGUARD_LISTEN"].startswith("0.0.0.0:")
    assert env["EGRESSGUARD_ADMIN"].startswith("127.0.0.1:"), "admin is loopback unless exposed"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    policy_mount = mounts[env["EGRESSGUARD_POLICY"]]
    assert "subPath" not in policy_mount, "subPath mounts never update: hot reload needs a directory"
    assert policy_mount["readOnly"] is True


def test_admin_exposed_only_on_request() -> None:
    docs = render()
    (svc,) = by_kind(docs, "Service")
    assert "admin" not in {p["name"] for p in svc["spec"]["ports"]}
    docs = render({"admin": {"expose": True, "tokenSecret": {"name": "tok"}}})
    (svc,) = by_kind(docs, "Service")
    assert "admin" in {p["name"] for p in svc["spec"]["ports"]}
    (dep,) = by_kind(docs, "Deployment")
    env = {e["name"]: e.get("value") for e in dep["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["EGRESSGUARD_ADMIN"].startswith("0.0.0.0:")
    assert env["EGRESSGUARD_ADMIN_TOKEN_FILE"] == "/etc/egressguard/admin/token"


# ------------------------------------------------------------------ gateway objects
def test_networkpolicy_on_by_default_and_denies_private_ranges() -> None:
    docs = render()
    nps = {d["metadata"]["name"]: d for d in by_kind(docs, "NetworkPolicy")}
    gw = nps[f"{RELEASE}-egressguard"]
    assert set(gw["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    blocks = [p["ipBlock"] for r in gw["spec"]["egress"] for p in r.get("to", []) if "ipBlock" in p]
    v4 = next(b for b in blocks if b["cidr"] == "0.0.0.0/0")
    for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"):
        assert cidr in v4["except"]
    v6 = next(b for b in blocks if b["cidr"] == "::/0")
    assert "fc00::/7" in v6["except"]
    ingress_ports = {p["port"] for r in gw["spec"]["ingress"] for p in r["ports"]}
    assert ingress_ports == {8080, 9464}, "admin port closed by default"
    clients = nps[f"{RELEASE}-egressguard-clients"]
    (rule,) = clients["spec"]["egress"]
    assert [p["port"] for p in rule["ports"]] == [8080], "clients reach the proxy port only, no DNS"
    assert not by_kind(render({"networkPolicy": {"enabled": False}}), "NetworkPolicy")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param({}, False, id="one replica: no PDB"),
        pytest.param({"replicaCount": 2}, True, id="two replicas: PDB"),
        pytest.param({"replicaCount": 2, "pdb": {"enabled": False}}, False, id="PDB switched off"),
        pytest.param({"autoscaling": {"enabled": True, "minReplicas": 1}}, False, id="HPA from one: no PDB"),
        pytest.param({"autoscaling": {"enabled": True, "minReplicas": 2}}, True, id="HPA from two: PDB"),
        pytest.param({"mode": "sidecar", "replicaCount": 3}, False, id="sidecar mode: no PDB"),
    ],
)
def test_pdb_only_when_replicas_above_one(values: dict[str, Any], expected: bool) -> None:
    assert bool(by_kind(render(values), "PodDisruptionBudget")) is expected


def _checksum(values: dict[str, Any]) -> str | None:
    (dep,) = by_kind(render(values), "Deployment")
    annotations = dep["spec"]["template"]["metadata"].get("annotations", {})
    checksum: str | None = annotations.get("checksum/policy")
    return checksum


def test_checksum_follows_the_policy() -> None:
    base = _checksum({})
    assert base and len(base) == 64
    assert _checksum({}) == base, "stable across renders"
    changed = {"policy": {"files": {"policy.yaml": "version: 1\nrules: []\n"}}}
    assert _checksum(changed) not in (None, base)
    assert _checksum({"replicaCount": 2}) == base, "only the policy moves it"
    assert _checksum({"policy": {"rollOnChange": False}}) is None
    assert _checksum({"policy": {"existingConfigMap": "mine"}}) is None


def test_existing_configmap_is_used_and_not_rendered() -> None:
    docs = render({"policy": {"existingConfigMap": "mine"}})
    assert not [d for d in by_kind(docs, "ConfigMap") if d["metadata"]["name"].endswith("-policy")]
    (dep,) = by_kind(docs, "Deployment")
    vols = {v["name"]: v for v in dep["spec"]["template"]["spec"]["volumes"]}
    assert vols["egressguard-policy"]["configMap"]["name"] == "mine"


def _policy_data(values: dict[str, Any]) -> dict[str, str]:
    (cm,) = [d for d in by_kind(render(values), "ConfigMap") if d["metadata"]["name"].endswith("-policy")]
    data: dict[str, str] = cm["data"]
    return data


def test_policy_files_replace_the_default_policy() -> None:
    """Helm merges maps: the default must not ride along with the user's files."""
    files = {"00-a.yaml": "version: 1\n", "10-b.yaml": "version: 1\nrules: []\n"}
    assert _policy_data({"policy": {"files": files}}) == files


def test_default_policy_comes_from_the_chart_file() -> None:
    assert _policy_data({}) == {"policy.yaml": (CHART / "files" / "default-policy.yaml").read_text()}


def _shipped_policies() -> list[Any]:
    """Every policy the chart, its ci scenarios and the example ship: (id, {file: text})."""
    cases = [
        pytest.param({"policy.yaml": (CHART / "files" / "default-policy.yaml").read_text()}, id="default")
    ]
    for path in CI_VALUES:
        files = values_of(path).get("policy", {}).get("files")
        if files:
            cases.append(pytest.param(files, id=path.stem))
    example = yaml.safe_load((EXAMPLES / "agent-sidecar" / "values.yaml").read_text())
    cases.append(pytest.param(example["egressguard"]["policy"]["files"], id="agent-sidecar example"))
    return cases


@pytest.mark.parametrize("files", _shipped_policies())
def test_shipped_policies_pass_egressguard_check(files: dict[str, str], tmp_path: Path) -> None:
    """The project's own validator accepts every policy the chart ships."""
    if importlib.util.find_spec("egressguard.cli") is None:
        pytest.skip("egressguard is not importable here (pip install -e .)")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "egressguard", "check", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_shared_ca_is_copied_into_a_writable_confdir() -> None:
    docs = render({"ca": {"existingSecret": "eg-ca"}, "replicaCount": 2})
    (dep,) = by_kind(docs, "Deployment")
    spec = dep["spec"]["template"]["spec"]
    (copy,) = spec["initContainers"]
    assert {m["name"] for m in copy["volumeMounts"]} == {"egressguard-confdir", "egressguard-ca-secret"}
    vols = {v["name"]: v for v in spec["volumes"]}
    assert vols["egressguard-ca-secret"]["secret"]["secretName"] == "eg-ca"
    assert "emptyDir" in vols["egressguard-confdir"]


def test_helm_test_pod_expects_host_not_allowed() -> None:
    (pod,) = by_kind(render(), "Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert pod["metadata"]["annotations"]["helm.sh/hook-delete-policy"] == "before-hook-creation"
    script = pod["spec"]["containers"][0]["command"][-1]
    assert "403" in script and "host_not_allowed" in script and "X-Egressguard-Reason" in script
    assert pod["metadata"]["labels"]["egressguard.io/gateway"] == f"{RELEASE}-egressguard"
    assert not by_kind(render({"tests": {"enabled": False}}), "Pod")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param(
            {"mode": "sidecar", "metrics": {"serviceMonitor": {"enabled": True}}},
            "needs mode=gateway",
            id="ServiceMonitor in sidecar mode",
        ),
        pytest.param(
            {"autoscaling": {"enabled": True, "minReplicas": 5, "maxReplicas": 2}},
            "must not exceed",
            id="HPA min above max",
        ),
        pytest.param(
            {"sidecar": {"agentUID": 10002}, "containerSecurityContext": {"runAsUser": 10002}},
            "must differ",
            id="agent UID equals proxy UID",
        ),
    ],
)
def test_cross_field_mistakes_fail_the_render(values: dict[str, Any], message: str) -> None:
    with pytest.raises(helm_python.HelmError, match=message):
        render(values)


def test_extra_objects_are_templated() -> None:
    docs = render(
        {
            "extraObjects": [
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x-{{ .Release.Name }}"}}
            ]
        }
    )
    assert "x-eg" in {d["metadata"]["name"] for d in docs}
