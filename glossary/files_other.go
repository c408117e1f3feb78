//go:build !unix

package glossary

// openNonblock: systems without O_NONBLOCK rely on the Stat before the open.
const openNonblock = 0
