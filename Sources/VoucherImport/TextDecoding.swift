#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The encodings an office's CSV file arrives in.
public enum TextEncoding: String, Sendable, Hashable {
    case utf8 = "UTF-8"
    case utf8WithBOM = "UTF-8 with BOM"
    case utf16LE = "UTF-16LE"
    case utf16BE = "UTF-16BE"
    /// Excel in China saves "CSV" as GBK, which GB18030 contains.
    case gb18030 = "GB18030"
    /// The first sheet of an Excel workbook.
    case xlsx = "XLSX"
}

/// Why a file's bytes are not text we can read.
public struct TextDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var byteOffset: Int
    /// A NUL byte: text files have none, so reading stops at the first (a binary file, a disk image).
    public var isNUL = false

    public var description: String {
        isNUL
            ? "the file is not text: it holds a NUL byte at byte \(byteOffset); give the CSV file"
            : "the file is neither UTF-8 nor GB18030/GBK text (undecodable bytes near byte \(byteOffset)); "
                + "save it from Excel as \"CSV UTF-8\" or as plain CSV"
    }

    /// The same in Chinese.
    public var zh: String {
        isNUL
            ? "文件不是文本：第 \(byteOffset + 1) 个字节为 NUL；请提供 CSV 文件"
            : "文件既不是 UTF-8 也不是 GB18030/GBK 文本（第 \(byteOffset + 1) 个字节附近无法解码）；"
                + "请用 Excel 另存为「CSV UTF-8」或普通 CSV"
    }
}

/// Turns a file's bytes into text: UTF-8 (with or without a byte-order mark), UTF-16 with a
/// byte-order mark, or else GB18030 (which covers GBK and GB2312), decoded with the C library's iconv.
public enum TextDecoding {
    public static func decode(_ bytes: [UInt8]) throws(TextDecodingError) -> (text: String, encoding: TextEncoding) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            if let text = utf8(bytes.dropFirst(3)) { return (text, .utf8WithBOM) }
        } else if bytes.starts(with: [0xFF, 0xFE]) {
            return (utf16(bytes.dropFirst(2), littleEndian: true), .utf16LE)
        } else if bytes.starts(with: [0xFE, 0xFF]) {
            return (utf16(bytes.dropFirst(2), littleEndian: false), .utf16BE)
        } else if let text = utf8(bytes[...]) {
            return (text, .utf8)
        }
        return (try gb18030(bytes), .gb18030)
    }

    /// Whether the bytes the chunks return, taken together, are valid UTF-8. A character split
    /// between two chunks is carried over to the next.
    /// Throws at the first NUL byte: no text file holds one, so a binary file is refused after its
    /// first chunk instead of being read to its end.
    static func isValidUTF8(_ chunks: () -> [UInt8]?) throws(TextDecodingError) -> Bool {
        var carried: [UInt8] = []
        var offset = 0
        while let chunk = chunks() {
            if let nul = chunk.firstIndex(of: 0) { throw TextDecodingError(byteOffset: offset + nul, isNUL: true) }
            offset += chunk.count
            var bytes = carried + chunk
            // Hold back an incomplete character at the end: its lead byte and what follows it.
            var cut = bytes.count
            var back = bytes.count - 1
            while back >= 0 && back >= bytes.count - 4 {
                let byte = bytes[back]
                if byte & 0xC0 != 0x80 {
                    let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
                    if back + length > bytes.count { cut = back }
                    break
                }
                back -= 1
            }
            carried = Array(bytes[cut...])
            bytes.removeSubrange(cut...)
            if String(validating: bytes, as: UTF8.self) == nil { return false }
        }
        return carried.isEmpty
    }

    /// The text if the bytes are valid UTF-8, else nil (never with replacement characters).
    static func utf8(_ bytes: ArraySlice<UInt8>) -> String? {
        String(validating: bytes, as: UTF8.self)
    }

    static func utf16(_ bytes: ArraySlice<UInt8>, littleEndian: Bool) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            let (first, second) = (UInt16(bytes[index]), UInt16(bytes[index + 1]))
            units.append(littleEndian ? first | second << 8 : first << 8 | second)
            index += 2
        }
        return String(decoding: units, as: UTF16.self)
    }

    static func gb18030(_ bytes: [UInt8]) throws(TextDecodingError) -> String {
        let converter = iconv_open("UTF-8", "GB18030")
        guard let converter, converter != iconv_t(bitPattern: -1) else { throw TextDecodingError(byteOffset: 0) }
        defer { iconv_close(converter) }
        var input = bytes.map { CChar(bitPattern: $0) }
        // A GB18030 character of 2 bytes is 3 in UTF-8, of 4 bytes 4: twice the input is room enough.
        var output = [CChar](repeating: 0, count: bytes.count * 2 + 16)
        let (failedAt, written): (Int?, Int) = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer = inBuffer.baseAddress
                var inLeft = inBuffer.count
                var outPointer = outBuffer.baseAddress
                var outLeft = outBuffer.count
                let status = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                return (status == -1 ? inBuffer.count - inLeft : nil, outBuffer.count - outLeft)
            }
        }
        if let failedAt { throw TextDecodingError(byteOffset: failedAt) }
        return String(decoding: output[..<written].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
