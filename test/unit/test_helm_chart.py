"""The Kubernetes Helm chart (deploy/helm/llmops): `helm lint`, `helm template` with the defaults
and with the production values files (ci/), every document checked against the Kubernetes API
schema, and what the chart must keep true (hooks, SSE ingress, secrets, commands, autoscaling)."""
from __future__ import annotations

import re
import shutil
from urllib.parse import quote

import pytest
import yaml
from helm_python import HelmRenderError, HelmValuesError
from sqlalchemy.engine import make_url

from config import Config
from config.language_model import LanguageModelSettings
from test.support.environment import make_test_config
from test.support.helm_chart import (
    CHART_DIR,
    KUBE_VERSIONS,
    ROOT,
    component,
    container,
    lint,
    pod_spec,
    render,
    schema_errors,
    values_file,
)

VALUE_SETS = {
    "defaults": None,
    "external": values_file("external-values.yaml"),
    "existing-secret": values_file("existing-secret-values.yaml"),
}
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
# docker-compose/gunicorn process settings that Config does not read (docs/operations.md)
PROCESS_SETTINGS = ("GUNICORN_", "HOME")


@pytest.fixture(scope="module")
def rendered():
    return {name: render(values) for name, values in VALUE_SETS.items()}


@pytest.fixture(scope="module")
def external(rendered):
    return rendered["external"]


@pytest.mark.parametrize("name", VALUE_SETS)
def test_helm_lint_passes(name):
    report = lint(values=VALUE_SETS[name])
    assert report["total_charts_linted"] == 1
    # strict lint: warnings (severity 2) fail as errors (3) do; "icon is recommended" is info
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert not problems and not report["errors"], (problems, report["errors"])


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("name", VALUE_SETS)
def test_every_rendered_document_is_valid_kubernetes(rendered, name, kube_version):
    documents = rendered[name].documents
    assert documents
    errors = [e for doc in documents if (e := schema_errors(doc, kube_version))]
    assert not errors, errors


def test_the_values_sets_render_the_production_objects(rendered):
    kinds = {name: sorted({d["kind"] for d in r.documents}) for name, r in rendered.items()}
    assert {"Deployment", "Job", "Secret", "ConfigMap", "Service", "PersistentVolumeClaim"} <= set(kinds["defaults"])
    assert {"Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget"} <= set(kinds["external"])
    assert "Secret" not in kinds["existing-secret"] and "PersistentVolumeClaim" not in kinds["existing-secret"]
    for r in rendered.values():
        names = {d["metadata"]["name"] for d in r.by_kind["Deployment"]}
        assert names == {component(c) for c in ("web", "worker", "beat", "mcp")}


# --- the migrate Job --------------------------------------------------------------------

def _hook(doc) -> tuple[set[str], int]:
    annotations = doc["metadata"].get("annotations") or {}
    return set(annotations.get("helm.sh/hook", "").split(",")) - {""}, int(annotations.get("helm.sh/hook-weight", 0))


@pytest.mark.parametrize("name", VALUE_SETS)
def test_migrate_job_is_a_pre_install_and_pre_upgrade_hook_after_what_it_reads(rendered, name):
    r = rendered[name]
    job = r.get("Job", component("migrate"))
    hooks, weight = _hook(job)
    assert hooks == {"pre-install", "pre-upgrade"}
    assert "before-hook-creation" in job["metadata"]["annotations"]["helm.sh/hook-delete-policy"]
    assert container(job)["command"] == ["flask", "db", "upgrade"] == COMPOSE["migrate"]["command"]
    assert pod_spec(job)["restartPolicy"] == "Never"
    # Pre-install hooks run before the release's ordinary objects exist: everything the Job reads
    # that the chart renders must itself be an earlier hook, or the Job could never start.
    spec = pod_spec(job)
    referenced = [("ConfigMap", ref["configMapRef"]["name"]) for ref in container(job)["envFrom"] if "configMapRef" in ref]
    referenced += [("Secret", ref["secretRef"]["name"]) for ref in container(job)["envFrom"] if "secretRef" in ref]
    referenced += [("Secret", v["secret"]["secretName"]) for v in spec["volumes"] if "secret" in v]
    referenced += [("PersistentVolumeClaim", v["persistentVolumeClaim"]["claimName"])
                   for v in spec["volumes"] if "persistentVolumeClaim" in v]
    referenced.append(("ServiceAccount", spec.get("serviceAccountName", "default")))
    assert ("ConfigMap", component("env")) in referenced
    for kind, ref in referenced:
        docs = [d for d in r.by_kind.get(kind, []) if d["metadata"]["name"] == ref]
        for doc in docs:  # none rendered: the operator's own object (existingSecret) or "default"
            doc_hooks, doc_weight = _hook(doc)
            assert {"pre-install", "pre-upgrade"} <= doc_hooks and doc_weight < weight, f"{kind}/{ref}"


# --- commands and ports: the same processes as docker-compose ---------------------------

def test_commands_are_the_ones_docker_compose_runs(external):
    worker_concurrency = str(VALUE_SETS["external"].get("worker", {}).get("concurrency", 2))
    for role in ("web", "worker", "beat", "mcp"):
        command = container(external.get("Deployment", component(role)))["command"]
        expected = [worker_concurrency if arg == "${CELERY_WORKER_CONCURRENCY:-0}" else arg
                    for arg in COMPOSE[role]["command"]]
        if role == "worker":  # the chart may name queues; compose consumes the default one
            assert command[command.index("--queues") + 1] == "celery"
            command = command[: command.index("--queues")]
        assert command == expected, role


def test_web_and_mcp_listen_where_their_services_and_probes_point(external):
    web = container(external.get("Deployment", component("web")))
    env = {e["name"]: e.get("value") for e in web["env"]}
    assert env["GUNICORN_BIND"] == COMPOSE["web"]["environment"]["GUNICORN_BIND"] == "0.0.0.0:5001"
    assert web["ports"][0] == {"name": "http", "containerPort": 5001, "protocol": "TCP"}
    assert web["readinessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert web["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    assert web["startupProbe"]["httpGet"]["path"] == "/health/live"
    service = external.get("Service", component("web"))
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert service["spec"]["selector"] == external.get("Deployment", component("web"))["spec"]["selector"]["matchLabels"]

    mcp = container(external.get("Deployment", component("mcp")))
    mcp_env = {e["name"]: e.get("value") for e in mcp["env"]}
    assert mcp_env["MCP_SERVER_HOST"] == "0.0.0.0" and mcp_env["MCP_SERVER_PORT"] == "5002"
    assert mcp_env["MCP_SERVER_ALLOWED_HOSTS"] == "llmops.example.com"  # the ingress host (DNS-rebinding guard)
    assert mcp["readinessProbe"]["tcpSocket"] == {"port": "mcp"} and mcp["ports"][0]["containerPort"] == 5002


def test_probe_paths_are_routes_of_the_app(tmp_path):
    from app.http.app import create_app

    urls = create_app(make_test_config(tmp_path)).url_map.bind("llmops.test")
    for path in ("/health", "/health/live"):
        assert urls.match(path, method="GET")[0], path


def test_beat_is_one_pod_even_with_autoscaling(external):
    beat = external.get("Deployment", component("beat"))
    assert beat["spec"]["replicas"] == 1 and beat["spec"]["strategy"] == {"type": "Recreate"}
    targets = {h["spec"]["scaleTargetRef"]["name"] for h in external.by_kind["HorizontalPodAutoscaler"]}
    assert component("beat") not in targets
    mounts = {m["mountPath"] for m in container(beat)["volumeMounts"]}
    assert "/data/beat" in mounts  # where compose keeps the schedule (--schedule /data/beat/...)


# --- ingress ------------------------------------------------------------------------------

def _nginx_seconds(directive: str, block: str) -> int:
    return int(re.search(rf"{directive} (\d+)s;", block).group(1))


def test_ingress_streams_sse_unbuffered_like_nginx_conf(external):
    ingress = external.get("Ingress", "llmops-test")
    annotations = ingress["metadata"]["annotations"]
    nginx = (ROOT / "nginx.conf").read_text()
    stream_block = nginx[nginx.index("location ~ ^/(apps"):]
    stream_block = stream_block[: stream_block.index("}")]
    assert annotations["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert annotations["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "off"
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= _nginx_seconds("proxy_read_timeout", stream_block)
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= _nginx_seconds("proxy_send_timeout", stream_block)
    body = re.search(r"client_max_body_size (\S+);", nginx).group(1)
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == body
    assert annotations["cert-manager.io/cluster-issuer"] == "letsencrypt"  # the operator's are kept
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"secretName": "llmops-tls", "hosts": ["llmops.example.com"]}]


def test_ingress_routes_mcp_to_the_mcp_service_and_the_rest_to_web(external):
    rule = external.get("Ingress", "llmops-test")["spec"]["rules"][0]
    assert rule["host"] == "llmops.example.com"
    backends = {p["path"]: (p["pathType"], p["backend"]["service"]) for p in rule["http"]["paths"]}
    assert backends == {"/mcp": ("Prefix", {"name": component("mcp"), "port": {"name": "mcp"}}),
                        "/": ("Prefix", {"name": component("web"), "port": {"name": "http"}})}
    for _, service in backends.values():  # every backend port name exists on its Service
        ports = {p["name"] for p in external.get("Service", service["name"])["spec"]["ports"]}
        assert service["port"]["name"] in ports


def test_the_nginx_annotations_can_be_left_out_for_another_controller():
    r = render({"ingress": {"enabled": True, "nginxStreaming": False, "className": "traefik",
                            "annotations": {"traefik.ingress.kubernetes.io/router.entrypoints": "websecure"}}})
    annotations = r.get("Ingress", "llmops-test")["metadata"]["annotations"]
    assert annotations == {"traefik.ingress.kubernetes.io/router.entrypoints": "websecure"}


# --- secrets ------------------------------------------------------------------------------

def _secret_values(values: dict) -> list[str]:
    found = [values["secretKey"], values["encryptionKey"], *values["secretEnv"].values(),
             values["externalDatabase"]["password"], values["externalRedis"]["password"],
             values["externalMilvus"]["token"], values["externalS3"]["accessKey"],
             values["externalS3"]["secretKey"], "ci-openai-provider-key"]
    assert all(found)
    return found


def test_secret_values_appear_only_in_secrets(external):
    secrets = _secret_values(VALUE_SETS["external"])
    forms = secrets + [quote(s, safe="") for s in secrets]  # as they are written into URLs
    for doc in external.documents:
        if doc["kind"] == "Secret":
            continue
        text = yaml.safe_dump(doc)
        leaked = [s for s in forms if s in text]
        assert not leaked, f"{doc['kind']}/{doc['metadata']['name']} carries {leaked}"
    stored = "\n".join(external.secret_data("llmops-test").values())
    stored += external.secret_data(component("router"))["router.yaml"]  # mounted as a file
    assert all(s in stored or quote(s, safe="") in stored for s in secrets)


@pytest.mark.parametrize("name", VALUE_SETS)
def test_every_process_reads_the_secret_by_reference_never_as_plain_env(rendered, name):
    r = rendered[name]
    secret_name = (VALUE_SETS[name] or {}).get("existingSecret") or "llmops-test"
    secret_keys = {"SECRET_KEY", "ENCRYPTION_KEY", "SQLALCHEMY_DATABASE_URI", "REDIS_URL", "CELERY_BROKER_URL",
                   "S3_ACCESS_KEY", "S3_SECRET_KEY", "MILVUS_TOKEN", "EMBEDDING_API_KEY", "OAUTH_GITHUB_CLIENT_SECRET"}
    for workload in r.workloads():
        c = container(workload)
        assert {"secretRef": {"name": secret_name}} in c["envFrom"], workload["metadata"]["name"]
        plain = {e["name"] for e in c.get("env", []) if "value" in e}
        assert not plain & secret_keys, (workload["metadata"]["name"], plain & secret_keys)
    if name != "existing-secret":
        assert secret_keys & set(r.secret_data("llmops-test")) >= {"SECRET_KEY", "SQLALCHEMY_DATABASE_URI"}
    for config_map in r.by_kind["ConfigMap"]:
        assert not set(config_map["data"]) & secret_keys


def test_the_secret_holds_working_connection_urls(external):
    data = external.secret_data("llmops-test")
    url = make_url(data["SQLALCHEMY_DATABASE_URI"])
    assert (url.drivername, url.username, url.password, url.host, url.port, url.database) == (
        "postgresql+psycopg", "llmops_app", "ci-db-p@ss/word", "pg.databases.svc.cluster.local", 5432, "llmops_prod")
    assert url.query == {"sslmode": "require"}
    assert data["REDIS_URL"] == "rediss://:ci-redis-password@redis.cache.svc.cluster.local:6379/0"
    assert data["CELERY_BROKER_URL"] == "rediss://:ci-redis-password@redis.cache.svc.cluster.local:6379/1"


def test_a_generated_secret_key_is_long_and_random(rendered):
    key = rendered["defaults"].secret_data("llmops-test")["SECRET_KEY"]
    assert len(key) == 64 and key != render().secret_data("llmops-test")["SECRET_KEY"]


@pytest.mark.parametrize("name", ["defaults", "external"])
def test_the_rendered_environment_is_a_valid_production_config(rendered, name, tmp_path, monkeypatch):
    """Every key the chart sets is a real setting, and Config accepts the values as rendered."""
    r = rendered[name]
    env = dict(r.get("ConfigMap", component("env"))["data"]) | r.secret_data("llmops-test")
    for workload in r.workloads():
        env |= {e["name"]: e["value"] for e in container(workload).get("env", []) if "value" in e}
    fields = set(Config.model_fields) | {f"LLM_{f}" for f in LanguageModelSettings.model_fields}
    unknown = [k for k in env if k not in fields and not k.startswith(PROCESS_SETTINGS)]
    assert not unknown, unknown
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))  # /data is the pod's volume
    conf = Config(_env_file=None).resolved()
    assert conf.ENV == "production" and conf.SECRET_KEY == env["SECRET_KEY"]
    assert conf.SQLALCHEMY_DATABASE_URI.startswith("postgresql+psycopg://") and conf.uses_redis
    assert conf.TRUST_PROXY_HOPS == 1
    if name == "external":
        assert (conf.STORAGE_BACKEND, conf.VECTOR_STORE, conf.S3_BUCKET) == ("s3", "milvus", "llmops-uploads")
        assert conf.MILVUS_URI == "http://milvus.milvus.svc.cluster.local:19530"
        assert conf.CORS_ORIGINS == ["https://console.example.com"]
        assert LanguageModelSettings(_env_file=None).ROUTER_CONFIG == "/etc/llmops/router/router.yaml"


def test_the_router_config_file_is_mounted_where_the_setting_points(external):
    path = external.get("ConfigMap", component("env"))["data"]["LLM_ROUTER_CONFIG"]
    for workload in external.workloads():
        spec, c = pod_spec(workload), container(workload)
        mount = next(m for m in c["volumeMounts"] if m["name"] == "llm-router")
        volume = next(v for v in spec["volumes"] if v["name"] == "llm-router")
        assert path == f"{mount['mountPath']}/{volume['secret']['items'][0]['path']}"
        assert mount["readOnly"] is True


def test_a_settings_change_rolls_the_pods(rendered):
    before = rendered["defaults"].get("Deployment", component("web"))["spec"]["template"]["metadata"]["annotations"]
    after = render({"config": {"LOG_LEVEL": "DEBUG"}}).get("Deployment", component("web"))
    assert after["spec"]["template"]["metadata"]["annotations"]["checksum/config"] != before["checksum/config"]
    same = render().get("Deployment", component("web"))["spec"]["template"]["metadata"]["annotations"]
    assert same["checksum/config"] == before["checksum/config"]  # the generated key does not count


# --- autoscaling, hardening -------------------------------------------------------------

def test_hpas_target_the_web_and_worker_deployments(external):
    hpas = {h["metadata"]["name"]: h["spec"] for h in external.by_kind["HorizontalPodAutoscaler"]}
    assert set(hpas) == {component("web"), component("worker")}
    for name, spec in hpas.items():
        target = spec["scaleTargetRef"]
        assert target["apiVersion"] == "apps/v1" and target["kind"] == "Deployment" and target["name"] == name
        deployment = external.get("Deployment", name)
        assert "replicas" not in deployment["spec"]  # the HPA owns the count
        assert container(deployment)["resources"]["requests"]["cpu"]  # utilization needs a request
        assert spec["minReplicas"] <= spec["maxReplicas"]
    assert hpas[component("web")]["minReplicas"] == 3 and hpas[component("web")]["maxReplicas"] == 12
    metrics = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in hpas[component("web")]["metrics"]}
    assert metrics == {"cpu": 70, "memory": 80}
    pdb = external.get("PodDisruptionBudget", component("web"))
    assert pdb["spec"]["selector"]["matchLabels"] == external.get("Deployment", component("web"))["spec"]["selector"]["matchLabels"]


@pytest.mark.parametrize("name", VALUE_SETS)
def test_pods_are_hardened(rendered, name):
    for workload in rendered[name].workloads():
        label = workload["metadata"]["name"]
        spec, c = pod_spec(workload), container(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] == 10001, label
        assert spec["automountServiceAccountToken"] is False, label
        sc = c["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False and sc["readOnlyRootFilesystem"] is True, label
        assert sc["capabilities"]["drop"] == ["ALL"], label
        assert {"cpu", "memory"} <= set(c["resources"]["requests"]) and {"cpu", "memory"} <= set(c["resources"]["limits"]), label
        # the root filesystem is read-only: /tmp and /data must be volumes
        mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert "emptyDir" in volumes[mounts["/tmp"]] and mounts.get("/data") in volumes, label


@pytest.mark.parametrize("name", ["defaults", "external"])
def test_web_worker_and_mcp_share_one_volume(rendered, name):
    r = rendered[name]
    claims = {next(v for v in pod_spec(r.get("Deployment", component(role)))["volumes"] if v["name"] == "data")
              ["persistentVolumeClaim"]["claimName"] for role in ("web", "worker", "mcp")}
    assert claims == {component("data")}
    assert r.get("PersistentVolumeClaim", component("data"))["spec"]["accessModes"] == ["ReadWriteMany"]


# --- bad values get a clear error -------------------------------------------------------

@pytest.mark.parametrize(("values", "error", "message"), [
    ({"web": {"replicaCount": "two"}}, HelmValuesError, "/web/replicaCount"),
    ({"web": {"replicas": 3}}, HelmValuesError, "'replicas' not allowed"),  # a typo is not ignored
    ({"secretKey": "short"}, HelmValuesError, "/secretKey"),
    ({"ingress": {"enabled": True, "hosts": ["https://llmops.example.com"]}}, HelmValuesError, "/ingress/hosts/0"),
    ({"config": {"log_level": "DEBUG"}}, HelmValuesError, "invalid propertyName 'log_level'"),  # names are upper case
    ({"externalRedis": {"brokerDb": 0}}, HelmRenderError, "cacheDb and externalRedis.brokerDb must differ"),
    ({"externalDatabase": {"host": ""}}, HelmRenderError, "externalDatabase.host"),
    ({"externalMilvus": {"enabled": True}}, HelmRenderError, "externalMilvus.uri is required"),
])
def test_bad_values_are_refused_naming_the_key(values, error, message):
    with pytest.raises(error, match=re.escape(message)):
        render(values)


# --- the checks themselves catch a broken chart ----------------------------------------

@pytest.fixture
def chart_copy(tmp_path):
    target = tmp_path / "llmops"
    shutil.copytree(CHART_DIR, target)
    return target


def test_a_template_error_fails_lint(chart_copy):
    path = chart_copy / "templates" / "web-service.yaml"
    path.write_text(path.read_text().replace("{{ .Values.web.service.type }}", "{{ .Values.web.service.type "))
    report = lint(chart_copy)
    assert report["errors"] or any(m["severity"] == 3 for m in report["messages"])


@pytest.mark.parametrize(("old", "new", "where"), [
    ("scaleTargetRef:", "scaleTarget:", "scaleTarget"),  # a required field missing, an unknown one
    ("containerPort: {{ .Values.web.service.port }}", "containerPort: \"{{ .Values.web.service.port }}\"", "containerPort"),
    ("averageUtilization: {{ . }}", "averageUtilisation: {{ . }}", "averageUtilisation"),  # unknown field
])
def test_a_schema_error_fails_validation(chart_copy, old, new, where):
    for path in (chart_copy / "templates").glob("*.yaml"):
        path.write_text(path.read_text().replace(old, new))
    errors = [e for doc in render(VALUE_SETS["external"], chart_dir=chart_copy).documents
              if (e := schema_errors(doc, KUBE_VERSIONS[0]))]
    assert errors and all(where in e for e in errors), errors
