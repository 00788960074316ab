package images

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
)

// EXIF is what Metadata reports of a JPEG's EXIF: the camera, when the
// picture was taken, and where, when the file says.
type EXIF struct {
	Make  string `json:"make,omitempty" dynamodbav:"make,omitempty"`
	Model string `json:"model,omitempty" dynamodbav:"model,omitempty"`
	// DateTimeOriginal is as EXIF writes it, "2006:01:02 15:04:05",
	// local time without a zone; DateTime (IFD0's) when it is missing.
	DateTimeOriginal string  `json:"dateTimeOriginal,omitempty" dynamodbav:"dateTimeOriginal,omitempty"`
	Orientation      int     `json:"orientation,omitempty" dynamodbav:"orientation,omitempty"`
	GPS              *LatLon `json:"gps,omitempty" dynamodbav:"gps,omitempty"`
}

// LatLon is a position in decimal degrees, south and west negative.
type LatLon struct {
	Latitude  float64 `json:"latitude" dynamodbav:"latitude"`
	Longitude float64 `json:"longitude" dynamodbav:"longitude"`
}

// Tags read, from the EXIF 2.32 specification (CIPA DC-008), sections
// 4.6.4 and 4.6.6 (https://www.cipa.jp/std/documents/e/DC-008-Translation-2019-E.pdf).
const (
	tagMake             = 0x010F
	tagModel            = 0x0110
	tagOrientation      = 0x0112
	tagDateTime         = 0x0132
	tagExifIFD          = 0x8769
	tagGPSIFD           = 0x8825
	tagDateTimeOriginal = 0x9003
	tagGPSLatitudeRef   = 0x0001
	tagGPSLatitude      = 0x0002
	tagGPSLongitudeRef  = 0x0003
	tagGPSLongitude     = 0x0004
)

// TIFF field types and their sizes.
const (
	typeASCII    = 2
	typeShort    = 3
	typeLong     = 4
	typeRational = 5
)

var typeSize = map[uint16]uint32{1: 1, typeASCII: 1, typeShort: 2, typeLong: 4, typeRational: 8, 7: 1, 9: 4, 10: 8}

// maxIFDEntries bounds the work on a hostile file.
const maxIFDEntries = 512

// ParseJPEGEXIF finds the APP1 Exif segment of a JPEG's head and reads
// IFD0, the Exif IFD and the GPS IFD. nil, nil means the file has no EXIF.
// A malformed EXIF block is an error; the caller reports the image
// without it.
func ParseJPEGEXIF(b []byte) (*EXIF, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, errors.New("not a JPEG")
	}
	// Walk the markers up to the start of scan: APPn segments come first
	// (JPEG, ITU T.81 B.1.1.4; Exif in APP1, CIPA DC-008 4.5.4).
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return nil, errors.New("JPEG marker expected")
		}
		marker := b[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return nil, nil
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 {
			return nil, errors.New("JPEG segment length under 2")
		}
		seg := b[i+4 : min(len(b), i+2+n)]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return parseTIFF(seg[6:])
		}
		i += 2 + n
	}
	return nil, nil
}

type tiff struct {
	b  []byte
	bo binary.ByteOrder
}

type entry struct {
	tag, typ uint16
	count    uint32
	value    []byte // the value's bytes, inline or at its offset
}

func parseTIFF(b []byte) (*EXIF, error) {
	if len(b) < 8 {
		return nil, errors.New("EXIF: TIFF header cut short")
	}
	t := tiff{b: b}
	switch string(b[:2]) {
	case "II":
		t.bo = binary.LittleEndian
	case "MM":
		t.bo = binary.BigEndian
	default:
		return nil, errors.New("EXIF: no TIFF byte order mark")
	}
	if t.bo.Uint16(b[2:]) != 42 {
		return nil, errors.New("EXIF: not a TIFF header")
	}
	ifd0, err := t.ifd(t.bo.Uint32(b[4:]))
	if err != nil {
		return nil, err
	}
	x := &EXIF{Make: t.ascii(ifd0[tagMake]), Model: t.ascii(ifd0[tagModel]), DateTimeOriginal: t.ascii(ifd0[tagDateTime])}
	if o, ok := t.uint(ifd0[tagOrientation]); ok {
		x.Orientation = int(o)
	}
	if off, ok := t.uint(ifd0[tagExifIFD]); ok {
		sub, err := t.ifd(off)
		if err != nil {
			return nil, err
		}
		if dt := t.ascii(sub[tagDateTimeOriginal]); dt != "" {
			x.DateTimeOriginal = dt
		}
	}
	if off, ok := t.uint(ifd0[tagGPSIFD]); ok {
		gps, err := t.ifd(off)
		if err != nil {
			return nil, err
		}
		lat, okLat := t.degrees(gps[tagGPSLatitude])
		lon, okLon := t.degrees(gps[tagGPSLongitude])
		if okLat && okLon && lat <= 90 && lon <= 180 {
			if strings.EqualFold(t.ascii(gps[tagGPSLatitudeRef]), "S") {
				lat = -lat
			}
			if strings.EqualFold(t.ascii(gps[tagGPSLongitudeRef]), "W") {
				lon = -lon
			}
			x.GPS = &LatLon{Latitude: lat, Longitude: lon}
		}
	}
	return x, nil
}

// ifd reads the entries of the IFD at off (from the TIFF header).
func (t tiff) ifd(off uint32) (map[uint16]entry, error) {
	if uint64(off)+2 > uint64(len(t.b)) {
		return nil, errors.New("EXIF: IFD offset beyond the data")
	}
	n := int(t.bo.Uint16(t.b[off:]))
	if n > maxIFDEntries || uint64(off)+2+uint64(n)*12 > uint64(len(t.b)) {
		return nil, errors.New("EXIF: IFD entries beyond the data")
	}
	m := make(map[uint16]entry, n)
	for i := range n {
		e := t.b[int(off)+2+12*i:]
		en := entry{tag: t.bo.Uint16(e), typ: t.bo.Uint16(e[2:]), count: t.bo.Uint32(e[4:])}
		size, ok := typeSize[en.typ]
		if !ok || en.count > 1<<16 {
			continue // a type we do not read, or an absurd count
		}
		total := size * en.count
		if total <= 4 {
			en.value = e[8 : 8+total]
		} else {
			vo := t.bo.Uint32(e[8:])
			if uint64(vo)+uint64(total) > uint64(len(t.b)) {
				continue
			}
			en.value = t.b[vo : vo+total]
		}
		m[en.tag] = en
	}
	return m, nil
}

func (t tiff) ascii(e entry) string {
	if e.typ != typeASCII {
		return ""
	}
	s, _, _ := strings.Cut(string(e.value), "\x00")
	return strings.TrimSpace(s)
}

func (t tiff) uint(e entry) (uint32, bool) {
	switch {
	case e.typ == typeShort && len(e.value) >= 2:
		return uint32(t.bo.Uint16(e.value)), true
	case e.typ == typeLong && len(e.value) >= 4:
		return t.bo.Uint32(e.value), true
	}
	return 0, false
}

// degrees reads GPS degrees, minutes and seconds (three RATIONALs).
func (t tiff) degrees(e entry) (float64, bool) {
	if e.typ != typeRational || len(e.value) < 24 {
		return 0, false
	}
	var v float64
	for i, scale := range []float64{1, 60, 3600} {
		num, den := t.bo.Uint32(e.value[8*i:]), t.bo.Uint32(e.value[8*i+4:])
		if den == 0 {
			return 0, false
		}
		v += float64(num) / float64(den) / scale
	}
	return math.Round(v*1e7) / 1e7, true
}
