package synth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// passphraseStack writes a stack file encrypted as the pulumi CLI's
// passphrase provider does (pkg/secrets/passphrase), with memory encrypted.
func passphraseStack(t *testing.T, phrase, memory string) string {
	t.Helper()
	salt := []byte("8bytesal")
	crypter := config.NewSymmetricCrypterFromPassphrase(phrase, salt)
	check, err := crypter.EncryptValue(context.Background(), "pulumi")
	if err != nil {
		t.Fatal(err)
	}
	secret, err := crypter.EncryptValue(context.Background(), memory)
	if err != nil {
		t.Fatal(err)
	}
	return writeProject(t, map[string]string{
		"Pulumi.yaml": "name: shop\nruntime: go\n",
		"Pulumi.dev.yaml": fmt.Sprintf("encryptionsalt: v1:%s:%s\nconfig:\n  aws:region: eu-west-1\n  shop:memory:\n    secure: %s\n",
			base64.StdEncoding.EncodeToString(salt), check, secret),
	})
}

func TestLoadStackConfigDecryptsWithThePassphrase(t *testing.T) {
	dir := passphraseStack(t, "correct horse", "512")
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse")
	sc, err := LoadStackConfig(dir, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Raw["shop:memory"]; got != "512" {
		t.Errorf("shop:memory = %q; want the decrypted 512", got)
	}
	if len(sc.Undecrypted) != 0 || len(sc.SecretKeys) != 1 || sc.SecretKeys[0] != "shop:memory" {
		t.Errorf("undecrypted %v, secret keys %v; want none undecrypted and shop:memory still secret", sc.Undecrypted, sc.SecretKeys)
	}
}

func TestLoadStackConfigWithoutThePassphraseSkips(t *testing.T) {
	dir := passphraseStack(t, "correct horse", "512")
	for name, env := range map[string]string{"no passphrase": "", "wrong passphrase": "battery staple"} {
		t.Run(name, func(t *testing.T) {
			if env == "" {
				t.Setenv("PULUMI_CONFIG_PASSPHRASE", "")
				unsetenv(t, "PULUMI_CONFIG_PASSPHRASE")
				t.Setenv("PULUMI_CONFIG_PASSPHRASE_FILE", "")
			} else {
				t.Setenv("PULUMI_CONFIG_PASSPHRASE", env)
			}
			sc, err := LoadStackConfig(dir, "dev")
			if err != nil {
				t.Fatal(err)
			}
			if got := sc.Raw["shop:memory"]; got != secretPlaceholder {
				t.Errorf("shop:memory = %q; want the placeholder", got)
			}
			if len(sc.Undecrypted) != 1 || sc.Why == "" {
				t.Errorf("undecrypted %v (why %q); want shop:memory with a reason", sc.Undecrypted, sc.Why)
			}
			// synth runs, says what it skipped, and never shows the value.
			res, err := Run(context.Background(), Request{Root: dir, Stack: "dev"}, func(ctx *pulumi.Context, raw map[string]string) (pulumi.Map, error) {
				return nil, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "shop:memory is encrypted and was not decrypted") {
				t.Errorf("notes %q; want the skipped check named", res.Notes)
			}
		})
	}
}

func TestDuplicateSpellingsOfOneKeyAreRefused(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"Pulumi.yaml":     "name: shop\nruntime: go\n",
		"Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n  memory: 512\n  shop:memory: 1024\n",
	})
	// Go map order once decided which value won; it must fail every time.
	for range 8 {
		_, err := LoadStackConfig(dir, "dev")
		var fe *ConfigFileError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "shop:memory is set twice, as memory and as shop:memory; keep one") {
			t.Fatalf("got %v; want the duplicate refused", err)
		}
	}
}

// unsetenv removes a variable for the test (t.Setenv restores it after).
func unsetenv(t *testing.T, key string) {
	t.Helper()
	if err := os.Unsetenv(key); err != nil {
		t.Fatal(err)
	}
}
