package vm

import (
	"fmt"
	"io"
	"log"
)

// Logger is log.Logger in interpreted code. yaegi's own lacks SetPrefix
// (`(*log.Logger).SetPrefix` was undefined) and its Fatal methods panic;
// this one has every method of log.Logger and its Fatal methods log and
// exit as os.Exit does in cells.
type Logger struct {
	*log.Logger
	exit func(code int)
}

// newLogger is log.New for interpreted code.
func newLogger(exit func(int)) func(out io.Writer, prefix string, flag int) *Logger {
	return func(out io.Writer, prefix string, flag int) *Logger {
		return &Logger{Logger: log.New(out, prefix, flag), exit: exit}
	}
}

func (l *Logger) Fatal(v ...any) {
	l.Output(2, fmt.Sprint(v...))
	l.exit(1)
}

func (l *Logger) Fatalf(format string, v ...any) {
	l.Output(2, fmt.Sprintf(format, v...))
	l.exit(1)
}

func (l *Logger) Fatalln(v ...any) {
	l.Output(2, fmt.Sprintln(v...))
	l.exit(1)
}
