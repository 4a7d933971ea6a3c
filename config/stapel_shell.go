package config

import (
	"fmt"
	"slices"

	yaml "sigs.k8s.io/yaml/goyaml.v3"
)

// decodeShell reads `shell` (pkg/config/raw_shell.go): each user stage's
// commands, a string or a list of strings, and the cache versions.
func (d *docReader) decodeShell(m *mapping) *Shell {
	sm := m.sub("shell")
	if sm == nil {
		return nil
	}
	s := &Shell{
		BeforeInstall:             d.werfStrings(sm, "beforeInstall"),
		Install:                   d.werfStrings(sm, "install"),
		BeforeSetup:               d.werfStrings(sm, "beforeSetup"),
		Setup:                     d.werfStrings(sm, "setup"),
		CacheVersion:              sm.str("cacheVersion"),
		BeforeInstallCacheVersion: sm.str("beforeInstallCacheVersion"),
		InstallCacheVersion:       sm.str("installCacheVersion"),
		BeforeSetupCacheVersion:   sm.str("beforeSetupCacheVersion"),
		SetupCacheVersion:         sm.str("setupCacheVersion"),
	}
	sm.done()
	return s
}

// decodeAnsible reads `ansible` (pkg/config/raw_ansible.go, raw_ansible_task.go)
// so that its errors are werf's; dagwerf does not build it.
func (d *docReader) decodeAnsible(m *mapping) *Ansible {
	am := m.sub("ansible")
	if am == nil {
		return nil
	}
	a := &Ansible{
		BeforeInstall:             d.ansibleTasks(am, "beforeInstall"),
		Install:                   d.ansibleTasks(am, "install"),
		BeforeSetup:               d.ansibleTasks(am, "beforeSetup"),
		Setup:                     d.ansibleTasks(am, "setup"),
		CacheVersion:              am.str("cacheVersion"),
		BeforeInstallCacheVersion: am.str("beforeInstallCacheVersion"),
		InstallCacheVersion:       am.str("installCacheVersion"),
		BeforeSetupCacheVersion:   am.str("beforeSetupCacheVersion"),
		SetupCacheVersion:         am.str("setupCacheVersion"),
	}
	am.done()
	return a
}

func (d *docReader) ansibleTasks(am *mapping, stage string) []map[string]any {
	var tasks []map[string]any
	for i, item := range am.list(stage) {
		key := fmt.Sprintf("%s[%d]", am.keyPath(stage), i)
		if !d.checkAnsibleTask(item, key) {
			return tasks
		}
		var task map[string]any
		if err := item.Decode(&task); err != nil {
			d.fail(item, key, "%s", err)
			return tasks
		}
		tasks = append(tasks, task)
	}
	return tasks
}

// checkAnsibleTask is werf's rule for a task: a block (block, rescue, always,
// each a list of tasks) or exactly one of the modules werf supports.
func (d *docReader) checkAnsibleTask(n *yaml.Node, key string) bool {
	tm := d.mapping(n, key)
	if d.err != nil {
		return false
	}
	blocks := false
	for _, k := range []string{"block", "rescue", "always"} {
		if tm.values[k] == nil || isNull(tm.values[k]) {
			continue
		}
		blocks = true
		for i, sub := range tm.list(k) {
			if !d.checkAnsibleTask(sub, fmt.Sprintf("%s.%s[%d]", key, k, i)) {
				return false
			}
		}
	}
	if blocks {
		return d.err == nil
	}
	var modules []string
	for _, k := range tm.order {
		if slices.Contains(ansibleModules, k) && !isNull(tm.values[k]) {
			modules = append(modules, k)
		}
	}
	switch len(modules) {
	case 0:
		d.fail(n, key, "unsupported ansible task: it uses none of the modules werf supports")
	case 1:
	default:
		d.fail(n, key, "invalid ansible task: it uses %d modules (%v); a task uses one", len(modules), modules)
	}
	return d.err == nil
}

// ansibleModules are the modules werf's Stapel ansible accepts (supportedModules
// in pkg/config/raw_ansible_task.go).
var ansibleModules = []string{
	"command", "shell", "raw", "script",
	"openssl_certificate", "openssl_csr", "openssl_privatekey", "openssl_publickey",
	"acl", "archive", "assemble", "blockinfile", "copy", "file", "replace", "find", "ini_file",
	"iso_extract", "lineinfile", "stat", "tempfile", "unarchive", "xattr",
	"get_url", "slurp", "uri",
	"bower", "bundler", "composer", "cpanm", "easy_install", "gem", "maven_artifact", "npm", "pear", "pip", "yarn",
	"apk", "apt", "apt_key", "apt_repository", "apt_rpm", "dnf", "dpkg_selections", "debconf", "homebrew",
	"homebrew_cask", "homebrew_tap", "layman", "macports", "openbsd_pkg", "opkg", "package", "pacman", "pkg5",
	"pkg5_publisher", "pkgin", "pkgng", "pkgutil", "portage", "portinstall", "pulp_repo", "redhat_subscription",
	"rhn_channel", "rhn_register", "rpm_key", "slackpkg", "sorcery", "svr4pkg", "swdepot", "swupd", "urpmi",
	"xbps", "yum", "yum_repository", "zypper", "zypper_repository",
	"cron", "user", "group", "getent", "locale_gen", "timezone",
	"meta", "assert", "debug", "fail", "set_fact", "wait_for",
}
