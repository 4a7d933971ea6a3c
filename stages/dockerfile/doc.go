// Package dockerfile reads a Dockerfile the way werf v2 does to address a
// non-staged Dockerfile image: parse with BuildKit's parser (v0.13.1, werf's pin),
// resolve ARGs (dependency imports > werf.yaml args > defaults), expand each
// instruction with BuildKit's shell lexer, and list werf's dependency strings for
// the target stage, linking the stages it uses. The parsing helpers both digest
// flavours share (instructions with RUN --security, error lines, the target stage)
// live here too; package stages/staged uses them.
//
// It reads no files: the context checksum of COPY/ADD sources is asked of the
// caller. It must not hash the list (package stages does).
package dockerfile
