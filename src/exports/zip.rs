//! A small streaming ZIP writer: "stored" entries (no compression), each
//! followed by a data descriptor, then the central directory. Enough for CSV
//! exports without a new crate; no ZIP64, so archives stop at 4 GiB.

use std::io::{self, Write};

/// The largest archive we write: every size and offset must fit in 32 bits
/// without ZIP64.
pub const MAX_ARCHIVE_BYTES: u64 = u32::MAX as u64;

/// The classic ZIP entry limit without ZIP64.
const MAX_ENTRIES: usize = u16::MAX as usize;

/// "Version needed to extract" and "version made by" (MS-DOS): 2.0 is the
/// version that introduced data descriptors.
const VERSION: u16 = 20;

/// Bit 3: sizes and CRC follow the data in a descriptor (we don't know them
/// when the header is written). Bit 11: names are UTF-8.
const FLAGS: u16 = 0x0008 | 0x0800;

const LOCAL_HEADER: u32 = 0x0403_4b50;
const DATA_DESCRIPTOR: u32 = 0x0807_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;

/// CRC-32 (IEEE, reflected polynomial 0xEDB88320), one table lookup per byte.
const CRC_TABLE: [u32; 256] = crc_table();

const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

/// A running CRC-32.
#[derive(Debug, Clone, Copy)]
pub struct Crc32(u32);

impl Crc32 {
    pub fn new() -> Self {
        Crc32(0xFFFF_FFFF)
    }

    pub fn update(&mut self, data: &[u8]) {
        let mut c = self.0;
        for &b in data {
            c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
        }
        self.0 = c;
    }

    pub fn value(&self) -> u32 {
        self.0 ^ 0xFFFF_FFFF
    }
}

impl Default for Crc32 {
    fn default() -> Self {
        Self::new()
    }
}

/// CRC-32 of a whole buffer.
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = Crc32::new();
    c.update(data);
    c.value()
}

/// An entry being written or already written.
struct Entry {
    name: String,
    offset: u32,
    crc: Crc32,
    size: u32,
}

/// Writes a ZIP archive to `W` front to back, one entry at a time, never
/// seeking and never holding an entry's data.
pub struct ZipWriter<W: Write> {
    out: W,
    written: u64,
    limit: u64,
    dos_time: u16,
    dos_date: u16,
    done: Vec<Entry>,
    open: Option<Entry>,
}

fn too_large() -> io::Error {
    io::Error::other("the export is larger than 4 GiB, which this ZIP writer does not support")
}

/// MS-DOS time and date fields for `t` (2-second resolution; 1980 at the earliest).
pub fn dos_datetime(t: chrono::DateTime<chrono::Utc>) -> (u16, u16) {
    use chrono::{Datelike, Timelike};
    if t.year() < 1980 {
        return (0, (1 << 5) | 1);
    }
    let time = (t.hour() << 11) | (t.minute() << 5) | (t.second() / 2);
    let date = (((t.year() - 1980) as u32).min(127) << 9) | (t.month() << 5) | t.day();
    (time as u16, date as u16)
}

impl<W: Write> ZipWriter<W> {
    /// A writer whose entries carry `modified` as their time.
    pub fn new(out: W, modified: chrono::DateTime<chrono::Utc>) -> Self {
        let (dos_time, dos_date) = dos_datetime(modified);
        ZipWriter {
            out,
            written: 0,
            limit: MAX_ARCHIVE_BYTES,
            dos_time,
            dos_date,
            done: Vec::new(),
            open: None,
        }
    }

    /// Lowers the size limit, so tests can reach it without writing 4 GiB.
    #[cfg(test)]
    fn with_limit(mut self, limit: u64) -> Self {
        self.limit = limit;
        self
    }

    /// Every byte goes through here, so the 4 GiB limit is checked in one place
    /// and before anything past it is written.
    fn emit(&mut self, bytes: &[u8]) -> io::Result<()> {
        let after = self.written + bytes.len() as u64;
        if after > self.limit {
            return Err(too_large());
        }
        self.out.write_all(bytes)?;
        self.written = after;
        Ok(())
    }

    /// The current position as a 32-bit offset (checked by `emit`).
    fn offset(&self) -> io::Result<u32> {
        u32::try_from(self.written).map_err(|_| too_large())
    }

    /// Starts the entry `name`, finishing the previous one.
    pub fn start_file(&mut self, name: &str) -> io::Result<()> {
        self.finish_file()?;
        if self.done.len() >= MAX_ENTRIES {
            return Err(io::Error::other("too many files for a ZIP without ZIP64"));
        }
        let name_len = u16::try_from(name.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "file name too long"))?;
        let offset = self.offset()?;
        let mut h = Vec::with_capacity(30 + name.len());
        h.extend_from_slice(&LOCAL_HEADER.to_le_bytes());
        h.extend_from_slice(&VERSION.to_le_bytes());
        h.extend_from_slice(&FLAGS.to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes()); // method: stored
        h.extend_from_slice(&self.dos_time.to_le_bytes());
        h.extend_from_slice(&self.dos_date.to_le_bytes());
        // CRC and sizes are zero here; the data descriptor carries them.
        h.extend_from_slice(&[0u8; 12]);
        h.extend_from_slice(&name_len.to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes()); // no extra field
        h.extend_from_slice(name.as_bytes());
        self.emit(&h)?;
        self.open = Some(Entry {
            name: name.to_string(),
            offset,
            crc: Crc32::new(),
            size: 0,
        });
        Ok(())
    }

    /// Appends `data` to the current entry.
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if self.open.is_none() {
            return Err(io::Error::other("ZIP data written before start_file"));
        }
        self.emit(data)?;
        if let Some(e) = self.open.as_mut() {
            e.crc.update(data);
            // `emit` keeps the whole archive under 4 GiB, so an entry fits too.
            e.size = e
                .size
                .checked_add(u32::try_from(data.len()).map_err(|_| too_large())?)
                .ok_or_else(too_large)?;
        }
        Ok(())
    }

    /// Ends the current entry with its data descriptor (a no-op when none is open).
    pub fn finish_file(&mut self) -> io::Result<()> {
        let Some(e) = self.open.take() else {
            return Ok(());
        };
        let mut d = Vec::with_capacity(16);
        d.extend_from_slice(&DATA_DESCRIPTOR.to_le_bytes());
        d.extend_from_slice(&e.crc.value().to_le_bytes());
        d.extend_from_slice(&e.size.to_le_bytes()); // compressed = stored size
        d.extend_from_slice(&e.size.to_le_bytes());
        self.emit(&d)?;
        self.done.push(e);
        Ok(())
    }

    /// Writes the central directory and end record; returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.finish_file()?;
        let start = self.offset()?;
        let entries = std::mem::take(&mut self.done);
        for e in &entries {
            let mut h = Vec::with_capacity(46 + e.name.len());
            h.extend_from_slice(&CENTRAL_HEADER.to_le_bytes());
            h.extend_from_slice(&VERSION.to_le_bytes()); // made by
            h.extend_from_slice(&VERSION.to_le_bytes()); // needed
            h.extend_from_slice(&FLAGS.to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // stored
            h.extend_from_slice(&self.dos_time.to_le_bytes());
            h.extend_from_slice(&self.dos_date.to_le_bytes());
            h.extend_from_slice(&e.crc.value().to_le_bytes());
            h.extend_from_slice(&e.size.to_le_bytes());
            h.extend_from_slice(&e.size.to_le_bytes());
            // Checked in `start_file`.
            h.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            h.extend_from_slice(&[0u8; 8]); // extra, comment, disk, internal attrs
            h.extend_from_slice(&0u32.to_le_bytes()); // external attrs
            h.extend_from_slice(&e.offset.to_le_bytes());
            h.extend_from_slice(e.name.as_bytes());
            self.emit(&h)?;
        }
        let size = self.offset()? - start;
        // Checked in `start_file`.
        let count = entries.len() as u16;
        let mut end = Vec::with_capacity(22);
        end.extend_from_slice(&END_OF_CENTRAL_DIRECTORY.to_le_bytes());
        end.extend_from_slice(&[0u8; 4]); // this disk, disk with the directory
        end.extend_from_slice(&count.to_le_bytes());
        end.extend_from_slice(&count.to_le_bytes());
        end.extend_from_slice(&size.to_le_bytes());
        end.extend_from_slice(&start.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes()); // no comment
        self.emit(&end)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16_at(b: &[u8], i: usize) -> u16 {
        u16::from_le_bytes([b[i], b[i + 1]])
    }

    fn u32_at(b: &[u8], i: usize) -> u32 {
        u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        let mut c = Crc32::new();
        c.update(b"1234");
        c.update(b"56789");
        assert_eq!(c.value(), 0xCBF4_3926, "incremental equals whole");
    }

    #[test]
    fn an_archive_can_be_read_back_through_its_central_directory() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-03-04T05:06:08Z")
            .expect("time")
            .to_utc();
        let mut z = ZipWriter::new(Vec::new(), t);
        z.start_file("a.csv").expect("start");
        z.write(b"x,y\r\n").expect("write");
        z.write(b"1,2\r\n").expect("write");
        z.start_file("empty.csv").expect("start");
        let bytes = z.finish().expect("finish");

        let end = bytes.len() - 22;
        assert_eq!(u32_at(&bytes, end), END_OF_CENTRAL_DIRECTORY);
        assert_eq!(u16_at(&bytes, end + 10), 2, "two entries");
        let cd = u32_at(&bytes, end + 16) as usize;
        assert_eq!(cd + u32_at(&bytes, end + 12) as usize, end);

        // First central header → its local header → its data.
        assert_eq!(u32_at(&bytes, cd), CENTRAL_HEADER);
        assert_eq!(u32_at(&bytes, cd + 16), crc32(b"x,y\r\n1,2\r\n"));
        assert_eq!(u32_at(&bytes, cd + 20), 10);
        assert_eq!(&bytes[cd + 46..cd + 51], b"a.csv");
        let local = u32_at(&bytes, cd + 42) as usize;
        assert_eq!(u32_at(&bytes, local), LOCAL_HEADER);
        assert_eq!(u16_at(&bytes, local + 6), FLAGS);
        let data = local + 30 + 5;
        assert_eq!(&bytes[data..data + 10], b"x,y\r\n1,2\r\n");
        assert_eq!(u32_at(&bytes, data + 10), DATA_DESCRIPTOR);
        assert_eq!(u32_at(&bytes, data + 18), 10);

        let (time, date) = (u16_at(&bytes, local + 10), u16_at(&bytes, local + 12));
        assert_eq!((time >> 11, (time >> 5) & 63, (time & 31) * 2), (5, 6, 8));
        assert_eq!(
            (1980 + (date >> 9), (date >> 5) & 15, date & 31),
            (2026, 3, 4)
        );
    }

    #[test]
    fn an_archive_over_the_limit_is_refused() {
        let mut z = ZipWriter::new(Vec::new(), chrono::Utc::now()).with_limit(100);
        z.start_file("big.csv").expect("start");
        let err = z.write(&[b'x'; 200]).expect_err("over the limit");
        assert!(err.to_string().contains("4 GiB"));
    }

    #[test]
    fn data_before_a_file_is_refused() {
        let mut z = ZipWriter::new(Vec::new(), chrono::Utc::now());
        assert!(z.write(b"x").is_err());
    }
}
