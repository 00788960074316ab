package kumoevent

import (
	"encoding/json"
	"testing"
)

// Refresh is a JSON object whose only field, kumo, is RefreshKeys: what
// the authorizer's dispatch reads.
func TestRefresh(t *testing.T) {
	var got map[string]string
	if err := json.Unmarshal([]byte(Refresh), &got); err != nil {
		t.Fatalf("Refresh %s: got %v; want a JSON object", Refresh, err)
	}
	if len(got) != 1 || got["kumo"] != RefreshKeys {
		t.Errorf("Refresh: got %v; want {\"kumo\": %q}", got, RefreshKeys)
	}
}
