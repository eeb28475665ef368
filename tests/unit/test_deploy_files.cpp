// The deployment files a user copies: docker-compose.yml and the Kubernetes
// manifests. Each check is a promise the README makes about them; a compose
// parser (tests/image/check-compose.sh) checks the compose schema as well.

#include "test_support.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

using rastar::test::run_rastar;

namespace {

const std::filesystem::path k_source = RASTAR_SOURCE_DIR;

bool
contains(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

// The manifests' documents, by kind.
std::vector<YAML::Node>
kubernetes_documents(const std::string& kind)
{
  std::vector<YAML::Node> found;
  for (const auto& entry : std::filesystem::directory_iterator(k_source / "examples/kubernetes")) {
    if (entry.path().extension() != ".yaml") {
      continue;
    }
    for (const auto& document : YAML::LoadAllFromFile(entry.path().string())) {
      if (document["kind"] && document["kind"].as<std::string>() == kind) {
        found.push_back(document);
      }
    }
  }
  return found;
}

// The value of `name` in a container's env list, or "" when it is absent.
std::string
env_value(const YAML::Node& container, const std::string& name)
{
  for (const auto& variable : container["env"]) {
    if (variable["name"].as<std::string>() == name) {
      return variable["value"].as<std::string>();
    }
  }
  return "";
}

// The containerPort a probe's named (or numbered) port refers to.
int
probe_port(const YAML::Node& container, const YAML::Node& probe)
{
  const YAML::Node port = probe["httpGet"]["port"];
  for (const auto& declared : container["ports"]) {
    if (declared["name"] && declared["name"].as<std::string>() == port.as<std::string>()) {
      return declared["containerPort"].as<int>();
    }
  }
  return port.as<int>();
}

} // namespace

TEST_CASE("docker-compose.yml")
{
  const auto path = k_source / "docker-compose.yml";
  const YAML::Node compose = YAML::LoadFile(path.string());
  const YAML::Node services = compose["services"];
  REQUIRE(services.IsMap());

  SUBCASE("PostgreSQL 15 with a pg_isready health check")
  {
    const YAML::Node postgres = services["postgres"];
    REQUIRE(postgres.IsMap());
    CHECK(postgres["image"].as<std::string>() == "postgres:15");
    const YAML::Node test = postgres["healthcheck"]["test"];
    REQUIRE(test.IsSequence());
    CHECK(test[0].as<std::string>() == "CMD-SHELL");
    CHECK(test[1].as<std::string>().starts_with("pg_isready "));
    CHECK(postgres["healthcheck"]["interval"]);
    CHECK(postgres["healthcheck"]["retries"].as<int>() > 1);
  }

  SUBCASE("the app starts once PostgreSQL is healthy, with DATABASE_URL and the admin password from .env")
  {
    const YAML::Node app = services["app"];
    REQUIRE(app.IsMap());
    CHECK(app["depends_on"]["postgres"]["condition"].as<std::string>() == "service_healthy");
    const YAML::Node environment = app["environment"];
    REQUIRE(environment.IsMap());
    const auto url = environment["DATABASE_URL"].as<std::string>();
    CHECK(url.starts_with("postgresql://rastar:${POSTGRES_PASSWORD:?"));
    CHECK(contains(url, "@postgres:5432/rastar"));
    // Secrets are never written into the file: each comes from .env, and an
    // unset one stops `docker compose` with a message instead of a blank.
    CHECK(environment["ADMIN_PASSWORD"].as<std::string>().starts_with("${ADMIN_PASSWORD:?"));
    CHECK(services["postgres"]["environment"]["POSTGRES_PASSWORD"].as<std::string>().starts_with(
      "${POSTGRES_PASSWORD:?"));
  }

  SUBCASE("the data volumes are named volumes declared at the top level")
  {
    const YAML::Node volumes = compose["volumes"];
    REQUIRE(volumes.IsMap());
    for (const std::string service : {"postgres", "app"}) {
      CAPTURE(service);
      const auto mount = services[service]["volumes"][0].as<std::string>();
      const auto name = mount.substr(0, mount.find(':'));
      CHECK(volumes[name]);
    }
    CHECK(services["app"]["volumes"][0].as<std::string>() == "rastar-data:/app/data");
  }

  SUBCASE("a commented replicas example and the Docker secrets alternative")
  {
    const auto text = rastar::test::read_file(path);
    CHECK(contains(text, "    # deploy:\n    #   replicas: 3\n"));
    CHECK(contains(text, "# DATABASE_URL_FILE: /run/secrets/database_url"));
    CHECK(contains(text, "# POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password"));
    CHECK(contains(text, "# secrets:\n#   postgres_password:\n#     file: ./secrets/postgres_password.txt\n"));
  }

  SUBCASE(".env.example names every variable the file requires")
  {
    const auto example = rastar::test::read_file(k_source / ".env.example");
    for (const std::string name : {"POSTGRES_PASSWORD", "ADMIN_PASSWORD"}) {
      CAPTURE(name);
      CHECK(contains(example, "\n" + name + "="));
    }
  }
}

TEST_CASE("examples/kubernetes")
{
  const auto deployments = kubernetes_documents("Deployment");
  REQUIRE(deployments.size() == 1);
  const YAML::Node deployment = deployments.front();
  const YAML::Node pod = deployment["spec"]["template"]["spec"];
  REQUIRE(pod["containers"].size() == 1);
  const YAML::Node container = pod["containers"][0];

  SUBCASE("several replicas, each running rastar-init run")
  {
    CHECK(deployment["spec"]["replicas"].as<int>() > 1);
    CHECK(container["args"].as<std::vector<std::string>>() == std::vector<std::string>{"run"});
    CHECK(container["envFrom"][0]["secretRef"]["name"].as<std::string>() == "rastar");
  }

  SUBCASE("startup and liveness probes on /healthz, readiness on /readyz, all on the status port")
  {
    CHECK(container["startupProbe"]["httpGet"]["path"].as<std::string>() == "/healthz");
    CHECK(container["livenessProbe"]["httpGet"]["path"].as<std::string>() == "/healthz");
    CHECK(container["readinessProbe"]["httpGet"]["path"].as<std::string>() == "/readyz");
    // The startup probe must outlast the database wait (60 s in the shipped
    // config) before liveness can restart the pod.
    const YAML::Node startup = container["startupProbe"];
    CHECK(startup["periodSeconds"].as<int>() * startup["failureThreshold"].as<int>() > 60);
    const auto listen = env_value(container, "RASTAR_STATUS_LISTEN");
    CHECK(listen == "0.0.0.0:8079");
    for (const std::string probe : {"startupProbe", "livenessProbe", "readinessProbe"}) {
      CAPTURE(probe);
      CHECK(probe_port(container, container[probe]) == 8079);
    }
  }

  SUBCASE("the shipped config binds the address the manifest sets")
  {
    const auto result =
      run_rastar({"config", "check", "--format", "json", "--config", (k_source / "config/rastar-init.yaml").string()},
                 {{"RASTAR_STATUS_LISTEN", env_value(container, "RASTAR_STATUS_LISTEN")},
                  {"RASTAR_INIT_CONFIG", std::nullopt},
                  {"RASTAR_LOG_LEVEL", std::nullopt}});
    REQUIRE(result.exit_code == 0);
    CHECK(nlohmann::json::parse(result.out)["status"]["listen"] == "0.0.0.0:8079");
    const auto loopback =
      run_rastar({"config", "check", "--format", "json", "--config", (k_source / "config/rastar-init.yaml").string()},
                 {{"RASTAR_STATUS_LISTEN", std::nullopt},
                  {"RASTAR_INIT_CONFIG", std::nullopt},
                  {"RASTAR_LOG_LEVEL", std::nullopt}});
    REQUIRE(loopback.exit_code == 0);
    CHECK(nlohmann::json::parse(loopback.out)["status"]["listen"] == "127.0.0.1:8079");
  }

  SUBCASE("the grace period outlasts rastar-init's shutdown_timeout")
  {
    const auto result =
      run_rastar({"config", "check", "--format", "json", "--config", (k_source / "config/rastar-init.yaml").string()},
                 {{"RASTAR_INIT_CONFIG", std::nullopt}, {"RASTAR_LOG_LEVEL", std::nullopt}});
    REQUIRE(result.exit_code == 0);
    CHECK(nlohmann::json::parse(result.out)["shutdown_timeout"] == "9s");
    CHECK(pod["terminationGracePeriodSeconds"].as<int>() > 9);
  }

  SUBCASE("an init container that only migrates and seeds")
  {
    REQUIRE(pod["initContainers"].size() == 1);
    const YAML::Node init = pod["initContainers"][0];
    CHECK(init["image"].as<std::string>() == container["image"].as<std::string>());
    CHECK(init["args"].as<std::vector<std::string>>() == std::vector<std::string>{"run", "--only-migrate"});
    CHECK(init["envFrom"][0]["secretRef"]["name"].as<std::string>() == "rastar");
  }

  SUBCASE("the Secret holds what rastar-init and the admin seed read, and the Service routes to named ports")
  {
    const auto secrets = kubernetes_documents("Secret");
    REQUIRE(secrets.size() == 1);
    CHECK(secrets.front()["metadata"]["name"].as<std::string>() == "rastar");
    CHECK(secrets.front()["stringData"]["DATABASE_URL"].as<std::string>().starts_with("postgresql://"));
    CHECK(secrets.front()["stringData"]["ADMIN_PASSWORD"]);
    const auto services = kubernetes_documents("Service");
    REQUIRE(services.size() == 1);
    std::vector<std::string> port_names;
    for (const auto& declared : container["ports"]) {
      port_names.push_back(declared["name"].as<std::string>());
    }
    for (const auto& port : services.front()["spec"]["ports"]) {
      CAPTURE(port["targetPort"].as<std::string>());
      CHECK(std::find(port_names.begin(), port_names.end(), port["targetPort"].as<std::string>()) !=
            port_names.end());
    }
    CHECK(services.front()["spec"]["selector"]["app.kubernetes.io/name"].as<std::string>() ==
          deployment["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"].as<std::string>());
  }
}
