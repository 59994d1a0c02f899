import { EventStreamParser } from './event-stream';

describe('EventStreamParser (text/event-stream in chunks)', () => {
  it('yields events as they complete, across chunk boundaries, and skips keep-alive comments', () => {
    const parser = new EventStreamParser();
    expect(parser.push('event: status\ndata: {"status":"run')).toEqual([]);
    expect(parser.push('ning"}\n\n: keep-alive\n\nevent: progress\r\ndata: {"current":5}\r\n\r\n')).toEqual([
      { event: 'status', data: '{"status":"running"}' },
      { event: 'progress', data: '{"current":5}' },
    ]);
  });

  it('joins multi-line data, defaults the event name to message and remembers the last id', () => {
    const parser = new EventStreamParser();
    expect(parser.push('id: 7\ndata: a\ndata: b\n\n')).toEqual([{ event: 'message', data: 'a\nb', id: '7' }]);
    expect(parser.lastEventId).toBe('7');
    expect(parser.push('data:no space\n\n')).toEqual([{ event: 'message', data: 'no space', id: '7' }]);
  });

  it('waits when a chunk ends on the \\r of a \\r\\n', () => {
    const parser = new EventStreamParser();
    expect(parser.push('data: x\r')).toEqual([]);
    expect(parser.push('\n\r\n')).toEqual([{ event: 'message', data: 'x' }]);
  });
});
