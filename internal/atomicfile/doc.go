/*
Package atomicfile replaces state files (peers.json, banlist.json,
anchors.dat, mempool.dat, fee_estimates.dat, the RPC cookie) so that a
crash or a power cut leaves either the old content or the new one, never a
torn mix of the two.

Write and WriteFunc write the new content to a temporary file with a unique
name (os.CreateTemp) in the target's directory, set its permission bits,
fsync it, close it and rename it over the target; then they fsync the
directory so that the rename itself survives a power cut. On any failure
before the rename the temporary file is removed and the target is left as
it was.

	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return err
	}

	err := atomicfile.WriteFunc(path, 0o600, func(w io.Writer) error {
		return tx.Serialize(w) // buffered; write errors surface here or at the end
	})

The directory must exist: a missing one is an error matching
fs.ErrNotExist. Errors are those of the os package (or of the caller's
write function), unchanged, so callers test them with errors.Is.
*/
package atomicfile
