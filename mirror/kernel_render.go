package mirror

import (
	"fmt"
	"html"
	"strings"
)

// RenderFailures returns a MIME bundle showing each failed mirror as a
// read-only post-mortem view: the element, what went wrong, the
// interpreted stack and the locals of each frame. text/html needs no
// JavaScript (frames fold with <details>); text/plain says the same for
// consoles and logs.
func RenderFailures(fs []Failure) map[string]any {
	return map[string]any{
		"text/html":  renderHTML(fs),
		"text/plain": renderText(fs),
	}
}

func renderText(fs []Failure) string {
	var b strings.Builder
	for k, f := range fs {
		if k > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "── mirror %d%s failed (%s) ──\n", f.Mirror, f.onNode(), f.Kind)
		if f.Index >= 0 {
			fmt.Fprintf(&b, "element %d: %s\n", f.Index, f.Element)
		}
		if f.Message != "" {
			fmt.Fprintf(&b, "%s: %s\n", f.Kind, f.Message)
		}
		for _, fr := range f.Frames {
			fmt.Fprintf(&b, "  at %s", fr.Func)
			if fr.Pos != "" {
				fmt.Fprintf(&b, " (%s)", fr.Pos)
			}
			if fr.Compiled {
				b.WriteString(" [compiled: no locals]")
			}
			b.WriteString("\n")
			for _, l := range fr.Locals {
				fmt.Fprintf(&b, "      %s %s = %s\n", l.Name, l.Type, l.Value)
			}
		}
		if f.Output != "" {
			fmt.Fprintf(&b, "last output:\n%s\n", indent(strings.TrimRight(f.Output, "\n"), "  | "))
		}
	}
	return b.String()
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

const failureStyle = `<style>
.dm-fail{border-left:4px solid #c0392b;padding:4px 10px;margin:6px 0;font-family:sans-serif;font-size:13px}
.dm-fail h4{margin:2px 0 6px;color:#c0392b}
.dm-fail code,.dm-fail pre{font-family:monospace}
.dm-fail table{border-collapse:collapse;margin:4px 0 4px 18px}
.dm-fail td,.dm-fail th{border:1px solid #ddd;padding:2px 6px;text-align:left;font-family:monospace;vertical-align:top}
.dm-fail summary{cursor:pointer;font-family:monospace}
.dm-fail pre{background:#f7f7f7;padding:4px;max-height:20em;overflow:auto}
</style>`

func renderHTML(fs []Failure) string {
	var b strings.Builder
	b.WriteString(failureStyle)
	for _, f := range fs {
		b.WriteString(`<div class="dm-fail">`)
		fmt.Fprintf(&b, "<h4>mirror %d%s failed: %s</h4>", f.Mirror, esc(f.onNode()), esc(f.Kind))
		if f.Index >= 0 {
			fmt.Fprintf(&b, "<div>element <b>%d</b>: <code>%s</code></div>", f.Index, esc(f.Element))
		}
		if f.Message != "" {
			fmt.Fprintf(&b, "<div>%s: <code>%s</code></div>", esc(f.Kind), esc(f.Message))
		}
		for k, fr := range f.Frames {
			open := ""
			if k == 0 {
				open = " open"
			}
			fmt.Fprintf(&b, "<details%s><summary>%s", open, esc(fr.Func))
			if fr.Pos != "" {
				fmt.Fprintf(&b, " <i>%s</i>", esc(fr.Pos))
			}
			if fr.Compiled {
				b.WriteString(" [compiled: no locals]")
			}
			b.WriteString("</summary>")
			if len(fr.Locals) > 0 {
				b.WriteString("<table><tr><th>local</th><th>type</th><th>value</th></tr>")
				for _, l := range fr.Locals {
					fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>", esc(l.Name), esc(l.Type), esc(l.Value))
				}
				b.WriteString("</table>")
			}
			b.WriteString("</details>")
		}
		if f.Output != "" {
			fmt.Fprintf(&b, "<div>last output:</div><pre>%s</pre>", esc(f.Output))
		}
		b.WriteString("</div>")
	}
	return b.String()
}

func esc(s string) string { return html.EscapeString(s) }

// onNode names the node of a mirror placed by Slurm: " on node n1".
func (f Failure) onNode() string {
	if f.Node == "" {
		return ""
	}
	return " on node " + f.Node
}
