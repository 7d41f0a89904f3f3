package values

import "fmt"

func fmtAny(x any) string { return fmt.Sprint(x) }
