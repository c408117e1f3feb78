package storetest_test

import (
	"testing"

	"refbot/bot/storetest"
)

// A backend's test runs the suite with a way to make a new, empty state
// and to open handles on it; here the in-memory stores, whose handles are
// all one. (In a _test.go file of the backend, as a TestConformance.)
func ExampleRun() {
	testConformance := func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) func(*testing.T) storetest.Store {
			m := newMemory()
			return func(*testing.T) storetest.Store { return m }
		})
	}
	_ = testConformance
}
