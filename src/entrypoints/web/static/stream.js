// A pipeline's WebSocket: every stored event after the last one seen, then live events and token chunks.
// A dropped connection reconnects with ?after=<last seq>, so no event is missed or seen twice.
import { streamUrl } from "./api.js";

export class PipelineStream {
  constructor(pipelineId, after, { onEvent, onToken, onState }) {
    this.pipelineId = pipelineId;
    this.seq = after;
    this.handlers = { onEvent, onToken, onState };
    this.closed = false;
    this.retry = 250;
    this.open();
  }

  open() {
    const ws = new WebSocket(streamUrl(this.pipelineId, this.seq));
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 250;
      this.handlers.onState?.("live");
    };
    ws.onmessage = (message) => this.receive(JSON.parse(message.data));
    ws.onclose = (close) => {
      if (this.closed) return;
      if (close.code === 4404 || close.code === 4400) {
        this.handlers.onState?.(`closed: ${close.reason || close.code}`);
        return;
      }
      this.handlers.onState?.("reconnecting");
      setTimeout(() => this.closed || this.open(), this.retry);
      this.retry = Math.min(this.retry * 2, 5000);
    };
  }

  receive(message) {
    if (message.type === "event") {
      if (message.seq <= this.seq) return;
      this.seq = message.seq;
      this.handlers.onEvent(message.event);
    } else if (message.type === "token") {
      this.handlers.onToken(message.candidate_id, message.text, Boolean(message.reset));
    }
  }

  close() {
    this.closed = true;
    this.ws?.close();
  }
}
