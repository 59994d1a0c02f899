import { ApiExamples } from '../../common/api-examples';
import { DependencyGraphDto } from './graph.dto';

const LABS = ['9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e51', '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e52', '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e53'];
const TRANSFORMER = '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e54';
const EXPORTER = '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e55';

export const GRAPH_EXAMPLES: ApiExamples<DependencyGraphDto> = {
  lab_pipeline: {
    summary: 'Three lab imports, a transformer joining them, an exporter after it',
    value: {
      nodes: [
        { id: TRANSFORMER, name: 'Equipment by lab', template_id: 'transformer', status: 'active' },
        { id: EXPORTER, name: 'Equipment report', template_id: 'exporter', status: 'active' },
        { id: LABS[0], name: 'Lab A equipment', template_id: 'table_loader', status: 'active' },
        { id: LABS[1], name: 'Lab B equipment', template_id: 'table_loader', status: 'active' },
        { id: LABS[2], name: 'Lab C equipment', template_id: 'table_loader', status: 'active' },
      ],
      edges: [
        { from: TRANSFORMER, to: EXPORTER, satisfied_by: null },
        { from: LABS[0], to: TRANSFORMER, satisfied_by: '8a0e6c52-1d3b-4f7a-b2c9-5e4d3f2a1b0c' },
        { from: LABS[1], to: TRANSFORMER, satisfied_by: null },
        { from: LABS[2], to: TRANSFORMER, satisfied_by: null },
      ],
    },
  },
};
