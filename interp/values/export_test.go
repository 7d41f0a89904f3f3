package values

// Dump is dump, for the external tests.
var Dump = dump
