import { Injectable, Module } from '@nestjs/common';
import { ExecutionContext, PluginHandler, PluginResult, PluginTemplate } from '../../src/sdk';

export interface TextStatsConfig {
  text: string;
  top_words: number;
  case_sensitive: boolean;
  min_word_length: number;
}

/** Splits text into words; a provider of the plugin's own, injected into the template below. */
@Injectable()
export class Tokenizer {
  words(text: string, caseSensitive: boolean): string[] {
    const words = text.match(/[\p{L}\p{N}'’-]+/gu) ?? [];
    return caseSensitive ? words : words.map((word) => word.toLocaleLowerCase());
  }
}

@PluginTemplate({
  id: 'text_stats',
  name: 'Text Statistics',
  description: 'Counts words, lines and characters of a text and lists its most frequent words. A small example template.',
  category: 'transformer',
  version: '1.0.0',
  supportsMultipleInstances: true,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['text'],
    properties: {
      text: { type: 'string', title: 'Text', description: 'The text to analyse.', minLength: 1, maxLength: 100000, examples: ['Plugins are code; instances are configuration.'] },
      top_words: { type: 'integer', title: 'Top words', description: 'How many of the most frequent words to list.', minimum: 0, maximum: 100, default: 5 },
      case_sensitive: { type: 'boolean', title: 'Case sensitive', description: 'Count "Word" and "word" separately.', default: false },
      min_word_length: { type: 'integer', title: 'Minimum word length', description: 'Ignore shorter words in the frequency list.', minimum: 1, maximum: 50, default: 1 },
    },
  },
})
export class TextStats implements PluginHandler<TextStatsConfig> {
  constructor(private readonly tokenizer: Tokenizer) {}

  execute(config: TextStatsConfig, ctx: ExecutionContext): PluginResult {
    const words = this.tokenizer.words(config.text, config.case_sensitive);
    const frequency = new Map<string, number>();
    for (const word of words) {
      if (word.length >= config.min_word_length) frequency.set(word, (frequency.get(word) ?? 0) + 1);
    }
    const top = [...frequency.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, config.top_words)
      .map(([word, count]) => ({ word, count }));
    ctx.log('info', `counted ${words.length} words`);
    return {
      words: words.length,
      unique_words: frequency.size,
      lines: config.text.split(/\r\n|\r|\n/).length,
      characters: [...config.text].length,
      top_words: top,
    };
  }
}

/** The plugin brings its own provider (Tokenizer), so it exports a module that declares both. */
@Module({ providers: [Tokenizer, TextStats] })
export class TextStatsModule {}
