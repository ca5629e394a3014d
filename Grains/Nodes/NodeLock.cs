namespace Inspector.Grains.Nodes;

/// <summary>
/// The node lock of one node grain. The grain is reentrant, so the lock is what keeps two
/// state-changing operations apart; callers either try it (abort, reapply: 409 at once) or
/// wait for it (the ramdisk's data waits for a start that is still rebooting the node).
/// Used only from the grain's own turns, so it needs no thread safety.
/// </summary>
internal sealed class NodeLock
{
    private TaskCompletionSource? _released;

    public bool IsHeld => _released is not null;

    public bool TryAcquire()
    {
        if (_released is not null)
        {
            return false;
        }

        _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return true;
    }

    public async Task<bool> AcquireAsync(TimeSpan timeout, TimeProvider time)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (_released is { } held)
        {
            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero || await Task.WhenAny(held.Task, Task.Delay(left, time)) != held.Task)
            {
                return false;
            }
        }

        return TryAcquire();
    }

    public void Release()
    {
        var released = _released;
        _released = null;
        released?.TrySetResult();
    }
}
