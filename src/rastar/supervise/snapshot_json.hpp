#pragma once

#include <rastar/supervise/snapshot.hpp>

#include <nlohmann/json_fwd.hpp>

#include <string>

// The /status document. Field names follow the Snapshot members; a process
// that does not run has "pid": null, a service that never ended has
// "last_exit_code" and "last_exit_signal" null. Nothing secret is in a
// Snapshot, so nothing secret can reach /status.

namespace rastar::supervise {

// nlohmann's conversions, found by argument-dependent lookup
// (`nlohmann::json json = snapshot;`, `json.get<Snapshot>()`). The from_json
// ones throw nlohmann::json::exception for a missing or mistyped field;
// unknown fields are ignored so an older `status` reads a newer server.
void
to_json(nlohmann::json& json, const ServiceSnapshot& service);

void
from_json(const nlohmann::json& json, ServiceSnapshot& service);

void
to_json(nlohmann::json& json, const Snapshot& snapshot);

void
from_json(const nlohmann::json& json, Snapshot& snapshot);

// `snapshot` as the indented JSON text /status answers, ending in a newline.
std::string
snapshot_to_json_text(const Snapshot& snapshot);

// Parses a /status body; throws nlohmann::json::exception when `text` is not
// JSON or not a snapshot.
Snapshot
snapshot_from_json_text(const std::string& text);

} // namespace rastar::supervise
