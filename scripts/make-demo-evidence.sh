#!/usr/bin/env bash
# Makes the small evidence files of the demo case (data/demo-evidence/), which
# `refuge demo` puts into the vault: a photograph with GPS and camera EXIF, and a
# two-second clip with location and creation tags. Everything is synthetic (a
# gradient, a test pattern, a tone) and the names in the metadata are fictional.
# The outputs are committed; run this again only to change them.
# Needs imagemagick, libimage-exiftool-perl and ffmpeg (scripts/install-deps.sh).
set -euo pipefail
out=${1:-"$(dirname "$0")/../data/demo-evidence"}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The photograph: 160x120, with the position of the fictional camp in its EXIF.
convert -size 160x120 gradient:'#4f5d6b'-'#c9b28a' -quality 82 -strip "$tmp/photo.jpg"
exiftool -q -overwrite_original \
  -Make='Fictional Optics' -Model='FO-7' -SerialNumber='FO7-0047-1193' \
  -OwnerName='Demo Camera Owner' -Artist='Demo Camera Owner' \
  -DateTimeOriginal='2020:06:14 22:41:07' -OffsetTimeOriginal='+06:00' \
  -GPSLatitude=41.1931 -GPSLatitudeRef=N -GPSLongitude=80.2774 -GPSLongitudeRef=E \
  -GPSAltitude=1104 -GPSAltitudeRef=0 \
  -XMP-dc:Creator='Demo Camera Owner' -XMP-dc:Description='perimeter fence, north side' \
  -IPTC:By-line='Demo Camera Owner' \
  "$tmp/photo.jpg"
cp "$tmp/photo.jpg" "$out/camp-fence.jpg"

# The clip: 2 s of a test pattern and a tone, H.264 and AAC in MP4, tagged with
# a location (ISO 6709), a creation time and the recording device.
ffmpeg -loglevel error -y \
  -f lavfi -i testsrc=size=160x120:rate=10:duration=2 \
  -f lavfi -i sine=frequency=440:sample_rate=16000:duration=2 \
  -c:v libx264 -preset veryslow -crf 38 -pix_fmt yuv420p -g 20 -bf 0 \
  -c:a aac -b:a 24k -ac 1 \
  -map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact \
  -metadata location='+41.1931+080.2774/' \
  -metadata location-eng='+41.1931+080.2774/' \
  -metadata creation_time='2020-06-14T22:44:30Z' \
  -metadata make='Fictional Optics' -metadata model='FO-7' \
  -metadata title='yard, clip 1 of 3' \
  -metadata:s:v handler_name='Demo camera video' \
  -movflags +use_metadata_tags \
  "$tmp/clip.mp4"
cp "$tmp/clip.mp4" "$out/camp-yard.mp4"
ls -l "$out"
