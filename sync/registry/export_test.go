package registry

// WithMaxTagPages lowers the bound on tag list pages, so that a test of a
// registry whose Link headers never end stays fast.
func WithMaxTagPages(n int) Option { return func(o *options) { o.maxTagPages = n } }
