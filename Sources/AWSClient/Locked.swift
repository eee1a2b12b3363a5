import Foundation

/// A value behind a lock (the package targets macOS 13, where `Synchronization.Mutex` is unavailable).
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    /// Runs `body` with the value, under the lock.
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Runs async work from synchronous code (the CLI's `run(io:)`) and waits for its result.
///
/// Call it only from a thread that is not part of Swift's cooperative pool (the main thread of
/// the CLI is fine); never from inside async code.
public func runBlocking<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
    let box = Locked<Result<T, Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        let result: Result<T, Error>
        do { result = .success(try await operation()) } catch { result = .failure(error) }
        box.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return try box.withLock { $0! }.get()
}
