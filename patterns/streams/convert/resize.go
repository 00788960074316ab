package convert

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"

	"golang.org/x/image/draw"

	"github.com/kumo-iac/kumo/internal/envvar"
)

// Defaults of the Resizer's settings.
const (
	DefaultResizePrefix = "resized/"
	DefaultMaxWidth     = 1024
	DefaultMaxHeight    = 1024
	// DefaultMaxSourcePixels refuses images whose decoded size (4 bytes a
	// pixel) would not fit a function's memory: a small, highly
	// compressed file can claim enormous dimensions.
	DefaultMaxSourcePixels = 50_000_000
)

// JPEGQuality is the quality resized JPEGs are written at.
const JPEGQuality = 85

// Resizer downscales JPEG and PNG images to fit within MaxWidth ×
// MaxHeight, keeping the aspect ratio (Catmull-Rom resampling), and
// writes them in their own format under Prefix + key. Images already
// within the bounds are copied as they are. Other objects are skipped.
// EXIF orientation is not applied.
type Resizer struct {
	Output
	MaxWidth, MaxHeight int
	MaxSourcePixels     int
}

// ResizerFromEnv configures a Resizer from OUTPUT_BUCKET (required),
// OUTPUT_PREFIX (default DefaultResizePrefix), MAX_WIDTH and MAX_HEIGHT
// (default 1024 each, 1 to 10000) and MAX_OBJECT_BYTES (default
// DefaultMaxObjectBytes).
func ResizerFromEnv(s3c S3, getenv func(string) string, log *slog.Logger) (*Handler, error) {
	e := envvar.New(getenv)
	r := &Resizer{
		Output:          outputFromEnv(e, s3c, DefaultResizePrefix),
		MaxWidth:        e.Int("MAX_WIDTH", DefaultMaxWidth, 1, 10000),
		MaxHeight:       e.Int("MAX_HEIGHT", DefaultMaxHeight, 1, 10000),
		MaxSourcePixels: DefaultMaxSourcePixels,
	}
	return &Handler{Converter: r, Log: log}, e.Err()
}

// Convert resizes one object.
func (r *Resizer) Convert(ctx context.Context, obj Object) (Outcome, string, error) {
	if r.own(obj) {
		return Skipped, "the resizer's own output", nil
	}
	src, gone, err := r.open(ctx, obj)
	if err != nil || gone {
		return Skipped, "gone or replaced since the event", err
	}
	defer src.body.Close()
	// Decoding needs the whole image in memory anyway; MAX_OBJECT_BYTES
	// bounds it.
	data, err := io.ReadAll(src.body)
	if err != nil {
		return "", "", fmt.Errorf("read the object: %w", err)
	}
	// What the image is comes from its bytes, not its key or content type.
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if errors.Is(err, image.ErrFormat) || (err == nil && format != "jpeg" && format != "png") {
		return Skipped, "not a JPEG or PNG image", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("read the image's header: %w", err)
	}
	if most := r.MaxSourcePixels; most > 0 && cfg.Width*cfg.Height > most {
		return "", "", fmt.Errorf("the image is %d×%d, over %d pixels", cfg.Width, cfg.Height, most)
	}
	f, done, err := tempFile()
	if err != nil {
		return "", "", err
	}
	defer done()
	w, h := fit(cfg.Width, cfg.Height, r.MaxWidth, r.MaxHeight)
	if w == cfg.Width && h == cfg.Height {
		_, err = f.Write(data)
	} else {
		err = scale(f, data, format, w, h)
	}
	if err != nil {
		return "", "", err
	}
	key := r.Prefix + obj.Key
	extra := map[string]string{"source-width": fmt.Sprint(cfg.Width), "source-height": fmt.Sprint(cfg.Height)}
	if err := r.put(ctx, key, "image/"+format, f, obj, src, extra); err != nil {
		return "", "", err
	}
	return Written, fmt.Sprintf("%d×%d to %d×%d at s3://%s/%s", cfg.Width, cfg.Height, w, h, r.Bucket, key), nil
}

// scale decodes data and writes it scaled to w×h in its format.
func scale(out io.Writer, data []byte, format string, w, h int) error {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("decode the image: %w", err)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	bw := bufio.NewWriter(out)
	if format == "jpeg" {
		err = jpeg.Encode(bw, dst, &jpeg.Options{Quality: JPEGQuality})
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(bw, dst)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("encode the image: %w", err)
	}
	return nil
}

// fit scales w×h down to fit within mw×mh, keeping the aspect ratio (and
// at least one pixel a side); an image already within stays as it is.
func fit(w, h, mw, mh int) (int, int) {
	if w <= mw && h <= mh {
		return w, h
	}
	// Compare w/mw with h/mh without floating point.
	if w*mh >= h*mw {
		return mw, max(1, (h*mw+w/2)/w)
	}
	return max(1, (w*mh+h/2)/h), mh
}
