// Package locks keeps parallel builders from publishing the same stage twice,
// over the synchronization backends werf uses, through lockgate: OS file locks on
// one machine (:local), a synchronization server (http(s)://), or annotations on a
// Kubernetes ConfigMap (kubernetes://). Lock names and storage are werf's, so
// werf and dagwerf runners can share a backend.
//
// lockgate knows no context; this package adds cancellation, bounded calls, and
// reports a lost lease by cancelling the holder's context instead of crashing.
package locks
