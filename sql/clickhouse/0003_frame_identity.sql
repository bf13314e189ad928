-- A frame's identity beyond its Kafka offset: the CRC-32 (IEEE) of its bytes as received and
-- its byte offset in the reader's source (the Kafka header `offset`; -1 when the reader sent
-- none). With the receiver, the GPS time and the log name they recognise a frame produced again
-- (a reader restarted on a recording it had partly produced, a recording replayed again), which
-- arrives under new Kafka offsets; the streamer leaves such frames out of every table
-- (docs/streamer.md). Rows written before this migration hold 0 and -1: never taken for
-- duplicates. ClickHouse 18.16 has no ADD COLUMN IF NOT EXISTS: the streamer takes "column
-- already exists" from an ADD COLUMN as applied.
ALTER TABLE frames ADD COLUMN frame_crc UInt32 AFTER size_bytes;
ALTER TABLE frames ADD COLUMN source_offset Int64 DEFAULT -1 AFTER frame_crc;
