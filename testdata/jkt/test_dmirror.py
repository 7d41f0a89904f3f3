"""jupyter_kernel_test 0.4.5 conformance suite for the dmirror kernel.

Run it through run.sh, which builds dmirror, installs its kernelspec into a
temporary Jupyter path and runs this file with /usr/bin/python3 under a
timeout (several checks of the suite wait without a timeout of their own).
"""

import os
import unittest

import jupyter_kernel_test as jkt


# Go cells import what they use; the suite's samples are single calls, so
# the session starts as a notebook would, with an import cell.
SETUP_CELL = 'import (\n\t"fmt"\n\t"os"\n\t"strings"\n)'


class DmirrorKernelTests(jkt.KernelTests):
    kernel_name = os.environ.get("DMIRROR_KERNEL_NAME", "dmirror")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reply = cls.kc.execute_interactive(SETUP_CELL, timeout=60, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"import cell failed: {reply['content']}")

    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'fmt.Println("hello, world")'
    code_stderr = 'fmt.Fprintln(os.Stderr, "to stderr")'

    # Members complete from the dot: cursor_start is after "fmt.".
    completion_samples = [
        {"text": "fmt.Print", "matches": ["Print", "Printf", "Println"]},
        {"text": "strings.ToUpp", "matches": ["ToUpper", "ToUpperSpecial"]},
    ]

    complete_code_samples = [
        "x := 1",
        'fmt.Println("hi")',
        "func f() int { return 1 }",
        "type point struct{ x, y int }",
    ]
    incomplete_code_samples = [
        "func f() {",
        "for i := 0; i < 3; i++ {",
        "xs := []int{1,",
    ]
    invalid_code_samples = [
        "func ) {",
        "x := := 1",
    ]

    code_page_something = "fmt.Println?"

    code_generate_error = 'panic("boom")'

    # The history search pattern below must match exactly one of these.
    code_execute_result = [
        {"code": "1+2+3", "result": "6"},
        {"code": '"go" + "pher"', "result": '"gopher"'},
        {"code": "len([]int{7, 8, 9})", "result": "3"},
    ]

    code_display_data = [
        {"code": 'display.HTML("<b>bold</b>")', "mime": "text/html"},
        {"code": 'display.Markdown("# title")', "mime": "text/markdown"},
        {"code": 'display.SVG(`<svg xmlns="http://www.w3.org/2000/svg"/>`)', "mime": "image/svg+xml"},
        {"code": 'display.JSON(map[string]int{"a": 1})', "mime": "application/json"},
    ]

    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "1?2*"

    code_inspect_sample = "fmt.Println"

    code_clear_output = "display.Clear(false)"


if __name__ == "__main__":
    unittest.main()
