package synth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
)

// Passphrase decryption, as the pulumi CLI's passphrase secrets provider
// does it (pkg/secrets/passphrase: the stack file's encryptionsalt is
// "v1:<base64 salt>:<the word pulumi, encrypted>", and the key is derived
// from PULUMI_CONFIG_PASSPHRASE or the file PULUMI_CONFIG_PASSPHRASE_FILE
// names). Other secrets providers (cloud KMS, Pulumi Cloud) need the network,
// so their values stay encrypted and their checks are skipped.

// errNoPassphrase means no passphrase is set in the environment.
var errNoPassphrase = errors.New("no passphrase: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE")

// passphraseDecrypter returns the decrypter of a stack file with a
// passphrase encryptionsalt, or why there is none.
func passphraseDecrypter(encryptionSalt, secretsProvider string) (config.Decrypter, error) {
	if encryptionSalt == "" {
		if secretsProvider != "" && secretsProvider != "passphrase" {
			return nil, fmt.Errorf("the stack's secrets provider %s needs the network", secretsProvider)
		}
		return nil, errors.New("the stack file has no encryptionsalt")
	}
	phrase, ok := os.LookupEnv("PULUMI_CONFIG_PASSPHRASE")
	if !ok {
		file := os.Getenv("PULUMI_CONFIG_PASSPHRASE_FILE")
		if file == "" {
			return nil, errNoPassphrase
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read PULUMI_CONFIG_PASSPHRASE_FILE: %w", err)
		}
		phrase = strings.TrimRight(string(b), "\r\n")
	}
	parts := strings.SplitN(encryptionSalt, ":", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return nil, fmt.Errorf("encryptionsalt %q is not a v1 passphrase salt", encryptionSalt)
	}
	salt, err := base64.StdEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("encryptionsalt: %w", err)
	}
	crypter := config.NewSymmetricCrypterFromPassphrase(phrase, salt)
	if check, err := crypter.DecryptValue(context.Background(), parts[2]); err != nil || check != "pulumi" {
		return nil, errors.New("the passphrase is not this stack's (PULUMI_CONFIG_PASSPHRASE)")
	}
	return crypter, nil
}
