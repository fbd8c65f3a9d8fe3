import CXlsxWriter

/// An error reported by libxlsxwriter, or a misuse of this wrapper, with the context it happened in.
///
/// Every `lxw_error` returned by the C library is turned into one of these by ``check(_:_:context:)``;
/// no result is discarded.
public struct XlsxError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The library's error code (`LXW_NO_ERROR` is never thrown); `nil` for misuse of the wrapper.
    public let code: UInt32?
    /// `lxw_strerror`'s text for the code, or the wrapper's own explanation.
    public let message: String
    /// The operation that failed, e.g. `worksheet_write_string`.
    public let operation: String
    /// Where it failed: the file, sheet and cell involved.
    public let context: String

    public var description: String {
        let codeText = code.map { " (lxw_error \($0))" } ?? ""
        return context.isEmpty
            ? "\(operation) failed: \(message)\(codeText)"
            : "\(operation) failed for \(context): \(message)\(codeText)"
    }

    init(code: lxw_error, operation: String, context: String) {
        self.code = code.rawValue
        self.message = lxw_strerror(code).map { String(cString: $0) } ?? "unknown libxlsxwriter error"
        self.operation = operation
        self.context = context
    }

    init(misuse message: String, operation: String, context: String = "") {
        self.code = nil
        self.message = message
        self.operation = operation
        self.context = context
    }
}

/// Turns a libxlsxwriter result into a thrown ``XlsxError``; the only place results are inspected.
@inline(__always)
func check(_ result: lxw_error, _ operation: @autoclosure () -> String, context: @autoclosure () -> String) throws {
    if result != LXW_NO_ERROR {
        throw XlsxError(code: result, operation: operation(), context: context())
    }
}
