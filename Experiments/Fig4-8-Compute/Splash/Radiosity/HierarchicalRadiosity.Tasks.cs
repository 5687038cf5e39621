using Multikernel.Threads;

namespace Splash.Radiosity;

/// <summary>The distributed task queues: creating tasks or running them inline, taking and stealing, the polling barrier.</summary>
public sealed partial class HierarchicalRadiosity
{
    /// <summary>
    /// process_tasks: runs tasks from the own queue (stealing from the others when it is empty) until none is left
    /// anywhere, then waits in a barrier that keeps polling the queues and goes back to work if a task appears; ends with
    /// the team barrier.
    /// </summary>
    async UTask ProcessTasks(RadiosityWorker w)
    {
        while (true)
        {
            while (true)
            {
                var (found, task) = await Dequeue(w);
                if (!found) break;
                await Execute(w, task);
            }

            await _pollLock.LockAsync();
            if (_pollCount >= _workerCount) _pollCount = 0;
            _pollCount++;
            bool done = _pollCount >= _workerCount;
            _pollLock.Unlock();
            bool backToWork = false;
            while (!done)
            {
                // _process_task_wait_loop: the count four times with pauses between (inline: no new frame per round).
                bool passed = false;
                for (int i = 0; i < 4 && !passed; i++)
                {
                    await _pollLock.LockAsync();
                    passed = _pollCount >= _workerCount;
                    _pollLock.Unlock();
                    if (!passed) await _team.Pause();
                }
                if (passed) break;
                if (AnyTask(w))
                {
                    await _pollLock.LockAsync();
                    _pollCount--;
                    _pollLock.Unlock();
                    backToWork = true;
                    break;
                }
                await _pollLock.LockAsync();
                done = _pollCount >= _workerCount;
                _pollLock.Unlock();
            }
            if (!backToWork) break;
        }
        await _barrier.SignalAndWaitAsync();
    }

    async UTask Execute(RadiosityWorker w, RadiosityTask task)
    {
        switch (task.Kind)
        {
            case RadiosityTaskKind.FormFactorRefinement: await RefineFormFactors(task.A, task.B); break;
            case RadiosityTaskKind.Ray: await ProcessRays(w, task.A); break;
            case RadiosityTaskKind.Visibility: await VisibilityTask(w, task.A, task.B, task.C); break;
            case RadiosityTaskKind.RadiosityAverage: await Average(w, task.A, (AveragingMode)task.B); break;
            default: throw new InvalidOperationException($"RADIOSITY: task of unknown kind {task.Kind}");
        }
    }

    /// <summary>enqueue_task: on the top (new subtasks) or at the tail (an iteration's first tasks) of queue <paramref name="queue"/>.</summary>
    async UTask Enqueue(int queue, RadiosityTask task, bool append)
    {
        var q = _queues[queue];
        await q.Lock.LockAsync();
        if (append) q.Append(in task);
        else q.PushTop(in task);
        q.Lock.Unlock();
    }

    /// <summary>taskq_too_long: the worker's own queue holds more than -tq tasks (new subtasks then run inline).</summary>
    async UTask<bool> OwnQueueTooLong(RadiosityWorker w)
    {
        var q = _queues[w.Index];
        await q.Lock.LockAsync();
        bool tooLong = q.Count > Input.TasksPerQueue;
        q.Lock.Unlock();
        return tooLong;
    }

    /// <summary>dequeue_task: the top of the own queue, else the tail of another, visiting q-1, q+1, q-2, q+2, ...</summary>
    async UTask<(bool Found, RadiosityTask Task)> Dequeue(RadiosityWorker w)
    {
        int queue = w.Index, sign = -1;
        for (int visits = 0; visits < _workerCount;)
        {
            var q = _queues[queue];
            await q.Lock.LockAsync();
            if (q.Count > 0)
            {
                var task = queue == w.Index ? q.PopTop() : q.PopTail();
                q.Lock.Unlock();
                return (true, task);
            }
            q.Lock.Unlock();
            queue = NextQueue(queue, ++visits, ref sign);
        }
        return (false, default);
    }

    /// <summary>
    /// peek_dequeue: whether <see cref="Dequeue"/> would find a task now, from the queues' published counts. The
    /// reference takes each queue's lock to look; polling without it keeps idle workers off the locks that the busy
    /// ones need (with the locks, the threads package's mutex, then a FIFO hand-over, queued a busy worker behind the pollers).
    /// </summary>
    bool AnyTask(RadiosityWorker w)
    {
        int queue = w.Index, sign = -1;
        for (int visits = 0; visits < _workerCount;)
        {
            if (_queues[queue].CountHint > 0) return true;
            queue = NextQueue(queue, ++visits, ref sign);
        }
        return false;
    }

    int NextQueue(int queue, int visits, ref int sign)
    {
        queue += sign > 0 ? visits : -visits;
        sign = -sign;
        if (queue < 0) queue += _workerCount;
        else if (queue >= _workerCount) queue -= _workerCount;
        return queue;
    }

    /// <summary>create_ff_refine_task: a task on the own queue, or inline when the queue is too long.</summary>
    async UTask CreateFormFactorTask(RadiosityWorker w, int e1, int e2)
    {
        if (await OwnQueueTooLong(w))
        {
            await RefineFormFactors(e1, e2);
            return;
        }
        await Enqueue(w.Index, new RadiosityTask(RadiosityTaskKind.FormFactorRefinement, e1, e2), append: false);
    }

    /// <summary>create_ray_task: inline for an element with fewer than -pr interactions or when the queue is too long, else a task.</summary>
    async UTask CreateRayTask(RadiosityWorker w, int e)
    {
        if (_elements[e].InteractionCount + _elements[e].VisibilityUndefinedCount < Input.ParallelRefineMinimum || await OwnQueueTooLong(w))
        {
            await ProcessRays(w, e);
            return;
        }
        await Enqueue(w.Index, new RadiosityTask(RadiosityTaskKind.Ray, e), append: false);
    }

    /// <summary>
    /// create_visibility_tasks: the interactions of unknown visibility are split into ceil(n / -pv) tasks by residue
    /// division (the last one also takes the trailing known ones); with fewer than -pv, or a long queue, they are done
    /// inline. The last batch to finish continues with <see cref="ProcessRays2"/>.
    /// </summary>
    async UTask CreateVisibilityTasks(RadiosityWorker w, int e)
    {
        int undefined = 0;
        for (int i = _elements[e].VisibilityUndefined; i != 0; i = _interactions[i].Next)
            if (_interactions[i].Visibility == VisibilityUndefined) undefined++;
        if (undefined == 0)
        {
            await ProcessRays2(w, e);
            return;
        }
        if (undefined < Input.VisibilityPerTask || await OwnQueueTooLong(w))
        {
            await VisibilityTask(w, e, _elements[e].VisibilityUndefined, _elements[e].VisibilityUndefinedCount);
            return;
        }
        int tasks = (undefined + Input.VisibilityPerTask - 1) / Input.VisibilityPerTask;
        int remainder = 0, count = 0, created = 0;
        // Links are read before each enqueue: once the last batch is queued it may finish and relink the list.
        for (int top = _elements[e].VisibilityUndefined, tail = top; tail != 0;)
        {
            count++;
            int next = _interactions[tail].Next;
            if (_interactions[tail].Visibility != VisibilityUndefined || (remainder += tasks) < undefined)
            {
                tail = next;
                continue;
            }
            bool last = ++created >= tasks;
            if (last)
                for (; next != 0; next = _interactions[next].Next) count++;
            await Enqueue(w.Index, new RadiosityTask(RadiosityTaskKind.Visibility, e, top, count), append: false);
            if (last) break;
            top = tail = next;
            remainder -= undefined;
            count = 0;
        }
    }

    /// <summary>visibility_task: computes the batch's visibilities; the batch that brings the element's count to 0 continues the element.</summary>
    async UTask VisibilityTask(RadiosityWorker w, int e, int first, int count)
    {
        ComputeVisibilities(w, e, first, count);
        var gate = ElementLock(e);
        await gate.LockAsync();
        int left = _elements[e].VisibilityUndefinedCount -= count;
        gate.Unlock();
        if (left == 0) await ProcessRays2(w, e);
    }
}
