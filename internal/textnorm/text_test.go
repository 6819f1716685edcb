package textnorm

import "testing"

func TestContainsPatternEscapesLikeMetacharacters(t *testing.T) {
	t.Parallel()
	if got := ContainsPattern(`50%_off\`); got != `%50\%\_off\\%` {
		t.Fatalf("ContainsPattern = %q", got)
	}
}
