import NIOPosix

/// A thread of its own for the group-commit loops (``GroupCommit``). On the shared cooperative pool, the loop's
/// every database round trip would queue behind the signing work of all waiting callers (the
/// burst that each commit releases), and a batch of two would take as long as a batch of two
/// hundred. Here it resumes at once; the signing stays on the pool.
package final class CommitExecutor: TaskExecutor {
    package static let shared = CommitExecutor()

    private let pool: NIOThreadPool

    private init() {
        pool = NIOThreadPool(numberOfThreads: 1)
        // Lives as long as the process: one thread, shared by every hub in it.
        pool.start()
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        pool.submit { _ in job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
