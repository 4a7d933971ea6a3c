// Package runner runs dagwerf's jobs from plain values: where the project is,
// what to plan, where stages are kept, and a build from all three. The command
// line fills these values from its flags and the Dagger module from its
// function arguments, so both run exactly the same code.
package runner
