package notebooks

// expectations lists, per notebook and cell id, what the executed cell
// must show, whoever ran it. Every notebook of this directory needs an
// entry, and every code cell of it at least one check.
var expectations = map[string]map[string][]check{
	"tour.ipynb": {
		"state-def": {ran(), stdout("HELLO - there are 3 points")},
		"state-use": {ran(), stdout("sum of the norms: 21"), result("21")},
		"display-kinds": {ran(),
			display("text/html", "<b>bold</b>"),
			display("text/markdown", "**Markdown**"),
			display("text/latex", `\sum_{k=1}^{n}`),
			display("application/json", `"mirrors":2`),
			displays("text/html", 1)},
		"display-image":  {ran(), pngDisplay(64, 64), display("image/svg+xml", `fill="teal"`)},
		"display-table":  {ran(), result("[{1 2} {-3 4} {5 -6}]"), resultHas("text/html", "<th>X</th>", "<td>-3</td>")},
		"display-rich":   {ran(), resultHas("text/html", "background:teal")},
		"display-update": {ran(), displays("text/markdown", 1), display("text/markdown", "step **3** of 3")},
		"display-clear":  {ran(), stdoutExactly("redrawn 3 times\n")},
		"par-collect":    {ran(), stdout("1000 results: 10 20 ... 10000")},
		"par-globals":    {ran(), result("[300 700 1100]")},
		"par-select":     {ran(), stdout("select: 500 [2 4 6] reject: 500 [1 3 5]")},
		"par-then": {ran(), stdout(
			"collect then select: [16 25 36]",
			"collect then reject: [1 4 9]",
			"select then collect: [4 16 36]",
			"reject then collect: [1 9 25]")},
		"par-flat":         {ran(), result("[foo bar zork a b c]")},
		"par-group":        {ran(), result("[pharo yaegi]")},
		"par-satisfy":      {ran(), stdout("any > 999: true", "all > 0: true", "none > 1000: true")},
		"create-mirror":    {ran(), result("[foobarzork 12345]")},
		"create-mirror-id": {ran(), resultHas("text/plain", `mirror for element 0 got "foo bar zork"`, `mirror for element 1 got "1 2 3 4 5"`)},
		"cores":            {ran(), stdoutMatches(`by default: [1-9]\d*`), stdout("a call on one mirror: 1000"), result("2")},
		// One rich output per failed mirror (element, panic, frames with
		// their locals), then one MirrorError.
		"failing-worker": {
			fails("MirrorError", "mirrors failed", "element 2: 0", "integer divide by zero", "x int = 0"),
			display("text/html", "integer divide by zero")},
		"after-failure": {ran(), stdout("HELLO 1000 10000")},
		"progress":      {ran(), display("text/plain", "[####################] 20/20"), display("text/html", "20/20 (100%)"), result("12200")},
	},
	"speedup.ipynb": {
		"params":     {ran()},
		"setup":      {ran(), stdoutMatches(`16 elements of fib\(24\), \d+ mirrors`)},
		"sequential": {ran(), stdoutMatches(`sequential: \d`)},
		"warmup":     {ran(), result("[1 1]")},
		"parallel":   {ran(), stdoutMatches(`with mirrors: \d`)},
		"compare":    {ran(), stdout("same results: true"), stdoutMatches(`speedup: \d+\.\d\dx on \d+ mirrors`)},
		"chart":      {ran(), display("image/svg+xml", "<rect", "sequential", "mirrors")},
	},
	// Compiled packages: every cell prints what the same code prints as a
	// Go program built in the same run (oracle_test.go).
	"libraries.ipynb": {
		"setup":      {ran(), sameAsGo("libraries.ipynb", "setup")},
		"gonum-mat":  {ran(), sameAsGo("libraries.ipynb", "gonum-mat")},
		"gonum-stat": {ran(), sameAsGo("libraries.ipynb", "gonum-stat")},
		"plot":       {ran(), pngDisplay(384, 288), sameAsGo("libraries.ipynb", "plot")},
		"gg":         {ran(), pngDisplay(160, 120), sameAsGo("libraries.ipynb", "gg")},
		"gjson":      {ran(), sameAsGo("libraries.ipynb", "gjson")},
		"humanize":   {ran(), sameAsGo("libraries.ipynb", "humanize")},
		"lo":         {ran(), sameAsGo("libraries.ipynb", "lo")},
		"uuid":       {ran(), sameAsGo("libraries.ipynb", "uuid")},
		"decimal":    {ran(), sameAsGo("libraries.ipynb", "decimal")},
		"parallel":   {ran(), sameAsGo("libraries.ipynb", "parallel")},
	},
}
