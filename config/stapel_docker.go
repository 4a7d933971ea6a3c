package config

import (
	"strings"

	yaml "sigs.k8s.io/yaml/goyaml.v3"
)

// decodeDocker reads the deprecated `docker` section (pkg/config/raw_docker.go)
// into the values werf's dockerInstructions stage digests: lists as written, and
// CMD and ENTRYPOINT as strings. An empty section is a Docker all the same: werf
// gives it the stage.
func (d *docReader) decodeDocker(m *mapping) *Docker {
	dm := m.sub("docker")
	if dm == nil {
		return nil
	}
	dk := &Docker{
		Volume:      d.werfStrings(dm, "VOLUME"),
		Expose:      d.werfStrings(dm, "EXPOSE"),
		Env:         dm.stringMap("ENV"),
		Label:       dm.stringMap("LABEL"),
		Cmd:         d.dockerCommand(dm, "CMD"),
		Workdir:     dm.str("WORKDIR"),
		User:        dm.str("USER"),
		Entrypoint:  d.dockerCommand(dm, "ENTRYPOINT"),
		HealthCheck: dm.str("HEALTHCHECK"),
		ExactValues: dm.boolean("exactValues", false),
	}
	dm.done()
	if dk.Entrypoint != "" && dk.Cmd == "" {
		dk.Cmd = "[]" // werf: an ENTRYPOINT resets the base image's CMD
	}
	return dk
}

// dockerCommand is werf's prepareCommand: a string as written; a list as
// ["a", "b"] (no escaping, as werf writes it), an empty list as [].
func (d *docReader) dockerCommand(m *mapping, key string) string {
	v := m.values[key]
	items := d.werfStrings(m, key)
	if v == nil || isNull(v) || v.Kind != yaml.SequenceNode {
		if len(items) == 1 {
			return items[0]
		}
		return ""
	}
	if len(items) == 0 {
		return "[]"
	}
	return `["` + strings.Join(items, `", "`) + `"]`
}
