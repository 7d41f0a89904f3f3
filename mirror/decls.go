package mirror

import (
	"encoding/json"

	"github.com/dmirror/dmirror/interp/modules"
	"hash/maphash"
	"slices"
)

// seed makes declHashes comparable within this process, which is all the
// pool needs.
var seed = maphash.MakeSeed()

// declHashes identifies a declaration log: the hash of its modules, then
// one hash per chunk. A mirror whose hashes are a prefix of a call's only
// needs the chunks after them; any other mirror rebuilds. Comparing
// contents rather than generations keeps a mirror warm across the
// declarations of a running cell, which become the next committed chunk.
func declHashes(d Decls) []uint64 {
	// The modules and the compiled declarations are the log's base: a
	// mirror with others rebuilds.
	mods, _ := json.Marshal(struct { // plain structs always marshal
		M []modules.Module
		G string
	}{d.Modules, d.Gen})
	out := make([]uint64, 0, 1+len(d.Chunks))
	out = append(out, maphash.Bytes(seed, mods))
	for _, c := range d.Chunks {
		out = append(out, maphash.String(seed, c))
	}
	return out
}

// deltaBase says from which chunk of want a mirror holding have can be
// brought up to date, or false if it must rebuild.
func deltaBase(have, want []uint64) (int, bool) {
	if len(have) == 0 || len(have) > len(want) || !slices.Equal(have, want[:len(have)]) {
		return 0, false
	}
	return len(have) - 1, true
}
